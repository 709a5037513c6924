// exporters.test.mjs - the datastores' monitoring users, as the Kustomize
// tree makes them (the base's Redis arguments and mysql-init.sh, the
// monitoring component's exporter settings), against the exporters
// themselves: Debian's redis_exporter and mysqld_exporter (older releases
// than the component's pinned images, which no registry here can serve)
// scrape a local Redis and MariaDB signing in as those users; every
// collector must succeed and no command be refused. Each check is shown to
// fail when the user lacks a permission the exporter needs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { KUBE_DIR, render } from './lib/kube.mjs';
import { environmentOf, expand } from './lib/pods.mjs';

const objects = render(path.join(KUBE_DIR, 'tests/base-monitoring'));
const containers = (name) => objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === name).spec.template.spec.containers;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'robot-shop-exporters-'));
const children = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

// Starts a program in the background, killed at the end; its output
// collected in .log.
function start(cmd, args, env = {}) {
  const child = spawn(cmd, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.log = '';
  child.stdout.on('data', (d) => { child.log += d; });
  child.stderr.on('data', (d) => { child.log += d; });
  children.push(child);
  return child;
}

function stop(child) {
  child.kill('SIGKILL');
  children.splice(children.indexOf(child), 1);
}

// The exporter's metrics once it has scraped its datastore once.
async function scrape(port, upMetric) {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      if (new RegExp(`^${upMetric} `, 'm').test(text)) return text;
    } catch { /* not listening yet */ }
    assert.ok(Date.now() < deadline, `no ${upMetric} from the exporter on ${port}`);
    await sleep(200);
  }
}

describe('redis_exporter as the monitoring user', () => {
  const [server, exporter] = containers('redis');

  // Redis started with the base's arguments (its port, directory and
  // address made local; argsOf may change them), the exporter with the
  // component's environment; returns the metrics and the exporter's log.
  async function run(argsOf = (a) => a) {
    const port = await freePort();
    const env = environmentOf(server, objects);
    const args = argsOf(server.args.map((a) => expand(a, env)));
    args[args.indexOf('--port') + 1] = String(port);
    args[args.indexOf('--dir') + 1] = mkdtempSync(path.join(tmp, 'redis-'));
    const redis = start('redis-server', [...args, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    const exporterPort = await freePort();
    const exporterEnv = { ...environmentOf(exporter, objects), REDIS_ADDR: `redis://127.0.0.1:${port}` };
    await sleep(300);
    const exporting = start('prometheus-redis-exporter', ['-web.listen-address', `127.0.0.1:${exporterPort}`], exporterEnv);
    try {
      const metrics = await scrape(exporterPort, 'redis_up');
      await sleep(200);
      return { metrics, log: exporting.log };
    } finally {
      stop(exporting);
      stop(redis);
    }
  }

  test('signs in as monitoring, every metric read, no command refused', async () => {
    assert.equal(environmentOf(exporter, objects).REDIS_USER, 'monitoring');
    const { metrics, log } = await run();
    assert.match(metrics, /^redis_up 1$/m);
    assert.match(metrics, /^redis_exporter_last_scrape_error\{err=""\} 0$/m);
    assert.match(metrics, /^redis_config_maxmemory 4\.194304e\+08$/m);
    assert.doesNotMatch(metrics, /^redis_errors_total/m);
    assert.doesNotMatch(log, /NOPERM|WRONGPASS|level=error/i);
  });

  test('a permission it needs taken away is seen', async () => {
    const { metrics, log } = await run((args) => args.filter((a) => a !== '+config|get'));
    assert.match(metrics, /^redis_errors_total\{err="NOPERM"\} [1-9]/m, log);
    assert.doesNotMatch(metrics, /^redis_config_maxmemory /m);
  });
});

describe('mysqld_exporter as the monitoring user', () => {
  const [server, exporter] = containers('mysql');
  const initScript = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('mysql-init-')).data['mysql-init.sh'];
  const serverEnv = environmentOf(server, objects);
  const dir = path.join(tmp, 'mariadb');
  const socket = path.join(dir, 'mysqld.sock');
  let port;

  const client = (sql, user = 'root') => spawnSync('mariadb', ['--no-defaults', '-S', socket, `-u${user}`, `-p${serverEnv.MARIADB_ROOT_PASSWORD}`, '-N', '-e', sql], { encoding: 'utf8' });
  // The script's client finds the socket in $MYSQL_HOME/my.cnf, as the
  // image's finds its own at the default path.
  const init = () => spawnSync('bash', ['-c', initScript], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, MYSQL_HOME: dir, ...serverEnv } });

  // A first start as the image makes it: an empty data directory, root's
  // password, then the init script against the server.
  async function startServer() {
    const installed = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${dir}/data`, '--auth-root-authentication-method=normal', '--skip-test-db', ...(process.getuid() === 0 ? ['--user=root'] : [])], { encoding: 'utf8' });
    assert.equal(installed.status, 0, installed.stderr);
    writeFileSync(path.join(dir, 'my.cnf'), `[client]\nsocket=${socket}\n`);
    port = await freePort();
    const mariadbd = start('mariadbd', ['--no-defaults', `--datadir=${dir}/data`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
      `--pid-file=${dir}/mariadbd.pid`, ...(process.getuid() === 0 ? ['--user=root'] : [])]);
    const deadline = Date.now() + 30000;
    while (spawnSync('mariadb-admin', ['--no-defaults', '-S', socket, '-uroot', 'ping'], { encoding: 'utf8' }).status !== 0) {
      assert.ok(Date.now() < deadline, `MariaDB did not start:\n${mariadbd.log}`);
      await sleep(200);
    }
    const password = spawnSync('mariadb', ['--no-defaults', '-S', socket, '-uroot', '-e', `ALTER USER root@localhost IDENTIFIED BY '${serverEnv.MARIADB_ROOT_PASSWORD}'`], { encoding: 'utf8' });
    assert.equal(password.status, 0, password.stderr);
  }

  async function run() {
    const user = /^--mysqld\.username=(.*)$/.exec(exporter.args.find((a) => a.startsWith('--mysqld.username=')))[1];
    const { MYSQLD_EXPORTER_PASSWORD: password } = environmentOf(exporter, objects);
    const exporterPort = await freePort();
    const exporting = start('prometheus-mysqld-exporter', [`--web.listen-address=127.0.0.1:${exporterPort}`],
      { DATA_SOURCE_NAME: `${user}:${password}@tcp(127.0.0.1:${port})/` });
    try {
      const metrics = await scrape(exporterPort, 'mysql_up');
      return { metrics, log: exporting.log };
    } finally {
      stop(exporting);
    }
  }

  // The collectors that ran, and those that failed (Debian's exporter
  // counts errors per collector and flags the last scrape).
  const collectors = (metrics) => [...metrics.matchAll(/^mysql_exporter_collector_duration_seconds\{collector="collect\.([^"]+)"\}/gm)].map((m) => m[1]);
  const failed = (metrics) => [...metrics.matchAll(/^mysql_exporter_scrape_errors_total\{collector="collect\.([^"]+)"\} ([1-9]\d*)$/gm)].map((m) => m[1]);

  test('the init script makes the user, twice over without harm; every collector succeeds', async () => {
    await startServer();
    for (let i = 0; i < 2; i++) {
      const r = init();
      assert.equal(r.status, 0, r.stderr);
    }
    assert.equal(client('SELECT COUNT(*) FROM mysql.user WHERE user = \'monitoring\'').stdout.trim(), '1');
    const { metrics, log } = await run();
    assert.match(metrics, /^mysql_up 1$/m);
    assert.deepEqual(collectors(metrics).sort(), ['global_status', 'global_variables', 'info_schema.innodb_cmp', 'info_schema.innodb_cmpmem', 'info_schema.query_response_time', 'slave_status']);
    assert.deepEqual(failed(metrics), [], log);
    assert.match(metrics, /^mysql_exporter_last_scrape_error 0$/m);
    assert.match(metrics, /^mysql_global_status_uptime \d/m);
    assert.doesNotMatch(log, /denied|error/i);
  });

  test('a permission it needs taken away is seen', async () => {
    const revoked = client('REVOKE SLAVE MONITOR ON *.* FROM \'monitoring\'@\'127.0.0.1\'');
    assert.equal(revoked.status, 0, revoked.stderr);
    const { metrics, log } = await run();
    assert.deepEqual(failed(metrics), ['slave_status'], log);
    assert.match(metrics, /^mysql_exporter_last_scrape_error 1$/m);
    assert.equal(init().status, 0);
    assert.deepEqual(failed((await run()).metrics), [], 'the init script grants it again');
  });
});
