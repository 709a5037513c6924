// store-process.mjs - what the tests' throw-away store servers (redis.mjs,
// mariadb.mjs) share: one server process on a loopback port and in a
// directory of its own, frozen to play a hung store, stopped (and started
// again on the same port) to stage an outage, destroyed leaving nothing.
import { spawn } from 'node:child_process';
import { removeDir } from './service.mjs';

export class StoreProcess {
  constructor(port, dir) {
    this.port = port;
    this.dir = dir;
    this.child = null;
    this.exited = null;
  }

  // Starts the server; `exited` settles when it ends.
  spawnServer(command, args, options) {
    const child = spawn(command, args, options);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    return child;
  }

  // Freezes the server (SIGSTOP): connections open, nothing answers, as
  // with a hung store; thaw (SIGCONT) lets it go on.
  freeze() {
    this.child?.kill('SIGSTOP');
  }

  thaw() {
    this.child?.kill('SIGCONT');
  }

  // Ends the server (thawed first, so that it sees the SIGTERM).
  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
      await this.exited;
    }
    this.child = null;
  }

  async destroy() {
    await this.stop();
    removeDir(this.dir);
  }
}
