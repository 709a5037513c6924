// noloss.test.mjs - not one order lost, not one doubled: 200 checkouts (add
// to cart, shipping confirm, pay) through the real services while dispatch
// is killed with SIGKILL and restarted, RabbitMQ is killed with SIGKILL and
// restarted, and RabbitMQ is frozen with SIGSTOP for a few seconds. The
// client retries every failed or unknown answer of payment, as a person
// would. Afterwards the orders dispatch recorded (in Redis, under their
// ids) are the carts paid, exactly: each paid cart has one order id,
// recorded; no other order exists; no order was dispatched twice, not even
// by two dispatch processes; no request hung past its timeout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { call as callService, removeDir, sleep, startService, tempDir } from './lib/service.mjs';
import { startRedis } from './lib/redis.mjs';
import { startMariaDB } from './lib/mariadb.mjs';
import { startRabbit } from './lib/rabbitmq.mjs';

const CHECKOUTS = 200;
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 10000;
const SKUS = ['RB-PEBBLE-5', 'RB-LANTERN-3', 'RB-SPROCKET-1', 'RB-ZIGZAG-6', 'RB-MOPSY-2'];

// One HTTP call with a hard client-side timeout; a timeout is recorded.
async function call(svc, pathname, init = {}) {
  try {
    return await callService(svc, pathname, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (e) {
    return { status: e.name === 'TimeoutError' ? 'timeout' : 'error', body: String(e) };
  }
}

describe('no order lost', () => {
  let db, redis, rabbit, dir;
  const svc = {};
  const dispatchLogs = [];   // the log lines of every dispatch process, dead or alive

  const startDispatch = async () => {
    svc.dispatch = await startService('dispatch', {
      AMQP_URL: rabbit.url, REDIS_URL: redis.url, DISPATCH_MIN_MS: '5', DISPATCH_MAX_MS: '20',
    });
    dispatchLogs.push(svc.dispatch.logs);
  };

  before(async () => {
    dir = tempDir();
    [db, redis, rabbit] = await Promise.all([startMariaDB(), startRedis(), startRabbit()]);
    svc.catalogue = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'catalogue.db') });
    svc.user = await startService('user', { REDIS_URL: redis.url, DOCSTORE_PATH: path.join(dir, 'user.db') });
    svc.cart = await startService('cart', { REDIS_URL: redis.url, CATALOGUE_URL: svc.catalogue.url });
    svc.shipping = await startService('shipping', { MYSQL_URL: db.createDatabase('cities'), CART_URL: svc.cart.url });
    svc.payment = await startService('payment', {
      AMQP_URL: rabbit.url, USER_URL: svc.user.url, CART_URL: svc.cart.url, AMQP_TIMEOUT_MS: '2000',
    });
    await startDispatch();
  });

  after(async () => {
    for (const s of Object.values(svc)) await s?.stop('SIGKILL');
    await Promise.all([rabbit?.destroy(), redis?.destroy(), db?.destroy()]);
    removeDir(dir);
  });

  // Pays until the answer is final, as a person would: a failed (5xx) or
  // unknown answer is tried again a little later; a 404 after an unknown
  // answer means the order went through meanwhile (its cart is gone).
  async function payUntilFinal(id, cart) {
    const seen = [];   // every answer, in order
    for (const t0 = Date.now(); Date.now() - t0 < 60000;) {
      const r = await call(svc.payment, `/pay/${id}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cart),
      });
      seen.push(r);
      if (r.status === 200) return { paid: true, orderid: r.body.orderid, seen };
      const unknown = seen.filter((a) => a.status === 504 && a.body.orderid).map((a) => a.body.orderid);
      if (r.status === 404 && unknown.length > 0) return { paid: true, orderid: unknown[0], seen };
      if (![502, 503, 504, 'timeout', 'error'].includes(r.status)) return { paid: false, seen };
      await sleep(300);
    }
    return { paid: false, seen };
  }

  // One shopper's journey; what it ended with.
  async function checkout(n, city) {
    const id = (await call(svc.user, '/uniqueid')).body.uuid ?? `anonymous-x${n}`;
    for (const sku of [SKUS[n % SKUS.length], SKUS[(n + 2) % SKUS.length]]) {
      const r = await call(svc.cart, `/add/${id}/${sku}/${1 + (n % 3)}`);
      if (r.status !== 200) return { n, id, stage: 'add', result: r };
    }
    const calc = await call(svc.shipping, `/calc/${city.uuid}`);
    if (calc.status !== 200) return { n, id, stage: 'calc', result: calc };
    const confirmed = await call(svc.shipping, `/confirm/${id}`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...calc.body, location: `${city.name}, ${city.code}` }),
    });
    if (confirmed.status !== 200) return { n, id, stage: 'confirm', result: confirmed };
    const cart = confirmed.body;
    return { n, id, stage: 'pay', cart, result: await payUntilFinal(id, cart) };
  }

  test('200 checkouts through a dispatch SIGKILL, a broker SIGKILL and a broker SIGSTOP: 0 lost, 0 doubled', async () => {
    const cities = (await call(svc.shipping, '/match/GB/lon')).body;
    assert.ok(cities.length > 0);
    const outcomes = [];
    let next = 0;
    const worker = async () => {
      while (next < CHECKOUTS) {
        const n = next++;
        outcomes.push(await checkout(n, cities[n % cities.length]));
      }
    };
    const at = async (share) => { while (outcomes.length < CHECKOUTS * share) await sleep(10); };
    const chaos = async () => {
      await at(0.2);
      svc.dispatch.child.kill('SIGKILL');          // (a) dispatch dies mid-stream
      await svc.dispatch.exited;
      await sleep(500);
      await startDispatch();
      await at(0.45);
      await rabbit.stop('SIGKILL');                 // (b) the broker dies
      await sleep(1000);
      await rabbit.start();
      await at(0.7);
      rabbit.freeze();                              // (c) the broker hangs
      await sleep(4000);
      rabbit.thaw();
    };
    await Promise.all([chaos(), ...Array.from({ length: CONCURRENCY }, worker)]);

    const earlier = outcomes.filter((o) => o.stage !== 'pay');
    assert.deepEqual(earlier.map((o) => `${o.n} ${o.stage} ${JSON.stringify(o.result)}`), [],
      'nothing before payment depends on the broker');
    const attempts = outcomes.flatMap((o) => o.result.seen);
    const hung = attempts.filter((r) => r.status === 'timeout');
    assert.deepEqual(hung, [], 'no payment hung past its timeout');
    const unpaid = outcomes.filter((o) => !o.result.paid);
    assert.deepEqual(unpaid.map((o) => `${o.n}: ${JSON.stringify(o.result.seen.at(-1))}`), [],
      'every cart was paid in the end');
    const failedOrUnknown = attempts.filter((r) => r.status !== 200);
    assert.ok(failedOrUnknown.length > 0, 'the faults were felt by some payments');
    // A cart is one order: every id any answer named for it is the same.
    for (const o of outcomes) {
      const ids = new Set(o.result.seen.map((r) => r.body?.orderid).filter(Boolean));
      assert.deepEqual([...ids], [o.result.orderid], `cart ${o.n}: one order id`);
    }

    // Orders recorded: dispatch's records in Redis; and how often each
    // order was dispatched, by the log lines of every dispatch process.
    const isRecorded = async (id) => (await redis.command(['EXISTS', `dispatch:order:${id}`])) === ':1\r\n';
    const recordCount = async () => Number((await redis.command(
      ['EVAL', "return #redis.call('KEYS', ARGV[1])", '0', 'dispatch:order:*'])).slice(1));
    const paidIds = new Set(outcomes.map((o) => o.result.orderid));
    const unrecorded = async () => {
      const missing = [];
      for (const id of paidIds) if (!(await isRecorded(id))) missing.push(id);
      return missing;
    };
    const deadline = Date.now() + 60000;
    while ((await unrecorded()).length > 0 && Date.now() < deadline) await sleep(200);
    const lost = await unrecorded();
    const recorded = await recordCount();
    const extra = recorded - (paidIds.size - lost.length);
    const times = new Map();
    for (const l of dispatchLogs.flat()) {
      const m = /^order (\S+) (dispatched|failed)/.exec(l.msg ?? '');
      if (m) times.set(m[1], (times.get(m[1]) ?? 0) + 1);
    }
    const twice = [...times].filter(([, n]) => n > 1).map(([id]) => id);
    assert.deepEqual(lost, [], 'every paid cart was recorded');
    assert.equal(extra, 0, 'no order but the paid carts');
    assert.deepEqual(twice, [], 'no order dispatched twice');
    assert.equal(paidIds.size, CHECKOUTS, 'one order per cart');
    for (const o of outcomes)
      assert.equal((await call(svc.cart, `/cart/${o.id}`)).status, 404, `cart of paid order ${o.n} is emptied`);

    const count = (s) => attempts.filter((r) => r.status === s).length;
    console.log(`no-loss: ${CHECKOUTS} checkouts, ${attempts.length} payment attempts ` +
      `(${count(200)} 200, ${count(503)} 503, ${count(504)} 504, ${count(502)} 502), ` +
      `${paidIds.size} carts paid, ${recorded} orders recorded: ${lost.length} lost, ` +
      `${extra + twice.length} doubled, ${hung.length} hung`);
  });
});
