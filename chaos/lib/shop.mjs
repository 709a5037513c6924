// shop.mjs - the shop the experiments break: a whole shop of its own,
// started by scripts/stack (its own directory, a port offset reserved
// through tests/api/lib/stack.mjs, two replicas of each stateless service,
// access logs off), or one already running (CHAOS_STACK_DIR, e.g. .run for
// `make run REPLICAS=2`, with its STACK_PORT_OFFSET). It knows the shop's
// addresses, the datastores' ports, and asks supervisord for its programs'
// processes and to stop or start them.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { reserveStackOffset } from '../../tests/api/lib/stack.mjs';

const run = promisify(execFile);

// The stores scripts/stack runs, by supervisord program name: their port at
// offset 0 and the timeout the services give them (README's settings).
export const STORES = {
  redis: { port: 16379, timeoutMs: 1000 },      // REDIS_TIMEOUT_MS
  mariadb: { port: 13306, timeoutMs: 2000 },    // MYSQL_TIMEOUT_MS
  rabbitmq: { port: 16672, timeoutMs: 2000 },   // AMQP_TIMEOUT_MS
};
const SERVICE_PORTS = { web: 8080, catalogue: 8081, user: 8082, cart: 8083, shipping: 8084,
  ratings: 8085, payment: 8086, dispatch: 8087 };

export class Shop {
  constructor({ root, dir, offset, own, env, release }) {
    Object.assign(this, { root, dir, offset, own, env, release });
    this.url = `http://127.0.0.1:${8080 + offset}`;
    this.conf = path.join(dir, 'supervisord.conf');
  }

  // The port of a service's replica (1, 2) or of a store.
  port(name, replica = 1) {
    if (STORES[name]) return STORES[name].port + this.offset;
    return SERVICE_PORTS[name] + this.offset + 1000 * (replica - 1);
  }

  // supervisord's program name of a service's replica: catalogue, catalogue-2.
  static program(service, replica = 1) {
    return replica === 1 ? service : `${service}-${replica}`;
  }

  async supervisor(...args) {
    const { stdout } = await run('supervisorctl', ['-c', this.conf, ...args], { env: this.env })
      .catch((e) => ({ stdout: e.stdout ?? '' }));
    return stdout.trim();
  }

  // The process id of a program, or 0 when it is not running.
  async pid(program) {
    const out = await this.supervisor('pid', program);
    return /^\d+$/.test(out) ? Number(out) : 0;
  }

  get replicas() {
    try { return Number(readFileSync(path.join(this.dir, 'replicas'), 'utf8')) || 1; } catch { return 1; }
  }

  // The service's /ready answers 200.
  async ready(service, replica = 1) {
    try {
      const r = await fetch(`http://127.0.0.1:${this.port(service, replica)}/ready`,
        { signal: AbortSignal.timeout(1000) });
      return r.status === 200;
    } catch {
      return false;
    }
  }

  // A store's port accepts a connection.
  accepts(store) {
    return new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: this.port(store) });
      s.setTimeout(500, () => { s.destroy(); resolve(false); });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
  }

  // dispatch's orders_processed_total (orders taken off the queue, each
  // order id once).
  async ordersProcessed() {
    const r = await fetch(`http://127.0.0.1:${this.port('dispatch')}/metrics`,
      { signal: AbortSignal.timeout(2000) });
    const text = await r.text();
    let n = 0;
    for (const m of text.matchAll(/^orders_processed_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/gm)) n += Number(m[1]);
    return n;
  }

  async stop() {
    if (!this.own) return;
    await run(path.join(this.root, 'scripts/stack'), ['stop'], { env: this.env }).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
    this.release?.();
  }
}

// Starts a shop of its own, REPLICAS=2; extraEnv goes to scripts/stack
// (PAYMENT_GATEWAY for the slow-dependency experiment).
export async function startShop(root, extraEnv = {}) {
  const { offset, release } = await reserveStackOffset();
  const dir = mkdtempSync(path.join(tmpdir(), 'rs-chaos-stack-'));
  const env = { ...process.env, ...extraEnv, STACK_DIR: dir, STACK_PORT_OFFSET: String(offset),
    REPLICAS: '2', ACCESS_LOG: '0', BUILD_DIR: process.env.BUILD_DIR ?? 'build' };
  const shop = new Shop({ root, dir, offset, own: true, env, release });
  try {
    await run(path.join(root, 'scripts/stack'), ['run'], { env, timeout: 600000 });
  } catch (e) {
    await shop.stop();
    throw new Error(`the shop did not start: ${e.stderr || e.stdout || e.message}`);
  }
  return shop;
}

// A shop already running under scripts/stack in dir.
export function attachShop(root, dir, offset) {
  const env = { ...process.env, STACK_DIR: dir, STACK_PORT_OFFSET: String(offset) };
  return new Shop({ root, dir: path.resolve(root, dir), offset, own: false, env });
}
