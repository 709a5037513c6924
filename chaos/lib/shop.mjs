// shop.mjs - the shop the experiments break: a whole shop of its own,
// started by scripts/stack (its own directory, a port offset reserved
// through tests/api/lib/stack.mjs, two replicas of each stateless service,
// access logs off), or one already running (CHAOS_STACK_DIR, e.g. .run for
// `make run REPLICAS=2`, with its STACK_PORT_OFFSET). It knows the shop's
// addresses, the datastores' ports, and asks supervisord for its programs'
// processes and to stop or start them.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { stackEnv, startStack } from '../../tests/api/lib/stack.mjs';

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
  // own: the stack this shop runs on (startStack's), which stop() stops;
  // none for a shop attached to.
  constructor({ dir, offset, env, own = null }) {
    Object.assign(this, { dir, offset, env, own });
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

  // Stops a shop of its own (an attached one is left running); fails when
  // its logs hold a sanitizer report.
  async stop() {
    await this.own?.stop();
  }
}

// Starts a shop of its own, REPLICAS=2; extraEnv goes to scripts/stack
// (PAYMENT_GATEWAY for the slow-dependency experiment).
export async function startShop(extraEnv = {}) {
  const stack = await startStack('rs-chaos-stack-', {
    ...extraEnv, REPLICAS: '2', ACCESS_LOG: '0', BUILD_DIR: process.env.BUILD_DIR ?? 'build',
  }).catch((e) => { throw new Error(`the shop did not start: ${e.message}`); });
  return new Shop({ dir: stack.dir, offset: stack.offset, env: stack.env, own: stack });
}

// A shop already running under scripts/stack in dir.
export function attachShop(root, dir, offset) {
  const resolved = path.resolve(root, dir);
  return new Shop({ dir: resolved, offset, env: stackEnv(resolved, offset) });
}
