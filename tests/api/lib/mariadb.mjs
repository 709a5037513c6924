// mariadb.mjs - a throw-away MariaDB server for a test: mariadb-install-db
// into a temp datadir, mariadbd on a free loopback port and a private
// socket, one database and user per service. stop() and start() again on
// the same port stage an outage; destroy() leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import path from 'node:path';
import { freePort, sleep, tempDir } from './service.mjs';
import { StoreProcess } from './store-process.mjs';

export class MariaDB extends StoreProcess {
  constructor(port, dir) {
    super(port, dir);
    this.socket = path.join(dir, 'mysqld.sock');
  }

  install() {
    const r = spawnSync('mariadb-install-db', [
      '--no-defaults', `--datadir=${path.join(this.dir, 'data')}`, `--user=${userInfo().username}`,
      '--auth-root-authentication-method=normal', '--skip-test-db',
    ], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mariadb-install-db failed: ${r.stderr || r.error}`);
  }

  async start() {
    this.spawnServer('mariadbd', [
      '--no-defaults', `--datadir=${path.join(this.dir, 'data')}`, `--port=${this.port}`,
      '--bind-address=127.0.0.1', `--socket=${this.socket}`, `--pid-file=${path.join(this.dir, 'pid')}`,
      `--user=${userInfo().username}`, '--skip-log-bin', '--innodb-buffer-pool-size=32M',
      `--log-error=${path.join(this.dir, 'error.log')}`,
    ], { stdio: 'ignore' });
    for (let i = 0; i < 300; i++) {
      if (this.child.exitCode !== null) break;
      if (this.sql('SELECT 1', { quiet: true }) !== null) return this;
      await sleep(50);
    }
    throw new Error(`mariadbd on port ${this.port} did not start`);
  }

  // Runs SQL as root over the socket; the output rows (tab-separated), or
  // null when it fails and quiet is set.
  sql(statement, { quiet = false } = {}) {
    const r = spawnSync('mariadb', ['--no-defaults', '-S', this.socket, '-u', 'root', '-N', '-B', '-e', statement],
      { encoding: 'utf8' });
    if (r.status !== 0) {
      if (quiet) return null;
      throw new Error(`mariadb: ${r.stderr}`);
    }
    return r.stdout;
  }

  // A database and a user of its own; the MYSQL_URL for it.
  createDatabase(name) {
    this.sql(`CREATE DATABASE IF NOT EXISTS \`${name}\`;` +
      ` CREATE USER IF NOT EXISTS '${name}'@'%' IDENTIFIED BY 'pw-${name}';` +
      ` GRANT ALL ON \`${name}\`.* TO '${name}'@'%';`);
    return `mysql://${name}:pw-${name}@127.0.0.1:${this.port}/${name}`;
  }
}

export async function startMariaDB() {
  const db = new MariaDB(await freePort(), tempDir('rs-mariadb-'));
  db.install();
  await db.start();
  return db;
}
