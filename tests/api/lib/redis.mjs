// redis.mjs - a throw-away redis-server for a test: its own loopback port
// and directory, no persistence; stop() and start() again on the same port
// stage an outage.
import net from 'node:net';
import { freePort, sleep, tempDir } from './service.mjs';
import { StoreProcess } from './store-process.mjs';

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

export class Redis extends StoreProcess {
  constructor(port, dir) {
    super(port, dir);
    this.url = `redis://127.0.0.1:${port}`;
  }

  async start() {
    this.spawnServer('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (let i = 0; i < 200; i++) {
      if (await ping(this.port)) return this;
      if (this.child.exitCode !== null) break;
      await sleep(25);
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
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
  return redis;
}
