// noloss.test.mjs - not one order lost: 200 checkouts (add to cart,
// shipping confirm, pay) through the real services while dispatch is killed
// with SIGKILL and restarted, and RabbitMQ is stopped for a few seconds and
// started again. Afterwards every payment that answered 200 has been
// processed by dispatch, every payment that failed left its cart as it
// was, and no request hung past its timeout.
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
      AMQP_URL: rabbit.url, DISPATCH_MIN_MS: '5', DISPATCH_MAX_MS: '20',
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
    const paid = await call(svc.payment, `/pay/${id}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cart),
    });
    return { n, id, stage: 'pay', cart, result: paid };
  }

  test('200 checkouts through a dispatch crash and a broker outage', async () => {
    const cities = (await call(svc.shipping, '/match/GB/lon')).body;
    assert.ok(cities.length > 0);
    const outcomes = [];
    let next = 0;
    // Checkouts past 55% wait until the broker is really down, and those
    // past 80% until it is back: the outage always falls in the middle of
    // the stream, and the stream goes on after it.
    let brokerDown, brokerBack;
    const brokerStopped = new Promise((resolve) => { brokerDown = resolve; });
    const brokerStarted = new Promise((resolve) => { brokerBack = resolve; });
    const worker = async () => {
      while (next < CHECKOUTS) {
        const n = next++;
        if (n >= CHECKOUTS * 0.8) await brokerStarted;
        else if (n >= CHECKOUTS * 0.55) await brokerStopped;
        outcomes.push(await checkout(n, cities[n % cities.length]));
      }
    };
    const chaos = async () => {
      while (outcomes.length < CHECKOUTS * 0.25) await sleep(10);
      svc.dispatch.child.kill('SIGKILL');         // (a) dispatch dies mid-stream
      await svc.dispatch.exited;
      await sleep(1000);
      await startDispatch();
      while (outcomes.length < CHECKOUTS * 0.5) await sleep(10);
      await rabbit.stop();                        // (b) the broker goes away
      brokerDown();
      await sleep(3000);
      await rabbit.start();
      brokerBack();
    };
    await Promise.all([chaos(), ...Array.from({ length: CONCURRENCY }, worker)]);

    const hung = outcomes.filter((o) => o.result.status === 'timeout');
    assert.deepEqual(hung, [], 'no request hung past its timeout');
    const paid = outcomes.filter((o) => o.stage === 'pay' && o.result.status === 200);
    const refused = outcomes.filter((o) => o.stage === 'pay' && o.result.status !== 200);
    const earlier = outcomes.filter((o) => o.stage !== 'pay');
    assert.deepEqual(earlier.map((o) => `${o.n} ${o.stage} ${JSON.stringify(o.result)}`), [],
      'nothing before payment depends on the broker');
    for (const o of refused)
      assert.equal(o.result.status, 503, `payment ${o.n}: ${JSON.stringify(o.result)}`);
    assert.ok(refused.length > 0, 'the broker outage was felt by some payments');
    assert.ok(paid.length >= CHECKOUTS * 0.5, `only ${paid.length} payments went through`);
    const late = paid.filter((o) => o.n >= CHECKOUTS * 0.8);
    assert.ok(late.length > 0, 'payments go through again once the broker is back');

    // Every paid order reaches dispatch, at least once.
    const dispatched = () => {
      const text = dispatchLogs.flat().map((l) => JSON.stringify(l)).join('\n');
      return paid.filter((o) => text.includes(o.result.body.orderid));
    };
    const deadline = Date.now() + 60000;
    while (dispatched().length < paid.length && Date.now() < deadline) await sleep(200);
    const missing = paid.filter((o) => !dispatched().includes(o)).map((o) => o.result.body.orderid);
    assert.deepEqual(missing, [], 'every confirmed payment was dispatched');

    // Every refused payment left its cart exactly as it was.
    let kept = 0;
    for (const o of refused) {
      const r = await call(svc.cart, `/cart/${o.id}`);
      assert.deepEqual(r, { status: 200, body: o.cart }, `cart of refused payment ${o.n}`);
      kept++;
    }
    // And every paid cart is gone.
    for (const o of paid)
      assert.equal((await call(svc.cart, `/cart/${o.id}`)).status, 404, `cart of paid order ${o.n}`);

    console.log(`no-loss: ${CHECKOUTS} checkouts, ${paid.length + refused.length} payments attempted, ` +
      `${paid.length} succeeded, ${dispatched().length} dispatched, ${refused.length} refused with ` +
      `${kept} carts kept, ${hung.length} hung`);
  });
});
