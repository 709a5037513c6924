// redis.mjs - a throw-away redis-server for a test: its own loopback port
// and directory, no persistence; stop() and start() again on the same port
// stage an outage.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { freePort, removeDir, sleep, tempDir } from './service.mjs';

function ping(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setTimeout(500);
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => { sock.destroy(); resolve(d.toString().startsWith('+PONG')); });
    sock.on('error', () => resolve(false));
    sock.on('timeout', () => { sock.destroy(); resolve(false); });
  });
}

export class Redis {
  constructor(port, dir) {
    this.port = port;
    this.dir = dir;
    this.url = `redis://127.0.0.1:${port}`;
    this.child = null;
  }

  async start() {
    this.child = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.exited = exited;
    for (let i = 0; i < 200; i++) {
      if (await ping(this.port)) return this;
      if (this.child.exitCode !== null) break;
      await sleep(25);
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  // Freezes the server (SIGSTOP): connections open, nothing answers, as
  // with a hung store; thaw (SIGCONT) lets it go on.
  freeze() {
    this.child?.kill('SIGSTOP');
  }

  thaw() {
    this.child?.kill('SIGCONT');
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
      await this.exited;
    }
    this.child = null;
  }

  // Sends one command (an array of strings) and returns the raw RESP reply.
  command(args) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.port, '127.0.0.1');
      let reply = '';
      sock.on('connect', () => {
        sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
      });
      sock.on('data', (d) => {
        reply += d.toString();
        if (reply.endsWith('\r\n')) { sock.destroy(); resolve(reply); }
      });
      sock.on('error', reject);
    });
  }
}

export async function startRedis() {
  const redis = new Redis(await freePort(), tempDir('rs-redis-'));
  await redis.start();
  const stop = redis.stop.bind(redis);
  redis.destroy = async () => { await stop(); removeDir(redis.dir); };
  return redis;
}
