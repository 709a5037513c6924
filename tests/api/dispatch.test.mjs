// dispatch.test.mjs - black-box tests of the dispatch service against a
// real RabbitMQ node and a real Redis: it processes and acks the orders on
// the queue (the queue drains, nothing comes back), logs each with its
// order id and trace id, records each once in Redis, counts them, survives
// malformed messages and a broker restart, never loses an order (a
// delivery taken by a process that is killed comes again to the next one)
// and never records one twice: an order delivered again after dispatch was
// killed and started again is dropped, and one that comes while Redis is
// out waits for it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { binary, call, freePort, metricValue, runToExit, sleep, startService } from './lib/service.mjs';
import { startRabbit } from './lib/rabbitmq.mjs';
import { startRedis } from './lib/redis.mjs';

// The service's metrics now, as a lookup: get(name, labels).
async function metrics(svc) {
  const text = await (await svc.fetch('/metrics')).text();
  return (name, labels = {}) => metricValue(text, name, labels);
}

async function until(what, fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// Stops with SIGTERM and expects a clean exit: code 0, nothing on stderr
// (where a sanitizer build would report a leak or undefined behaviour).
async function stopClean(svc) {
  const { code } = await svc.stop();
  assert.equal(code, 0, `${svc.name} exit code`);
  assert.equal(svc.stderr, '', `${svc.name} stderr`);
}

const logFor = (svc, orderid) => svc.logs.find((l) => typeof l.msg === 'string' && l.msg.includes(orderid));

const order = (orderid = randomUUID()) => ({
  orderid,
  user: 'anonymous-1',
  cart: { total: 78.45, tax: 13.07, items: [{ qty: 1, sku: 'RB-PEBBLE-5', name: 'Pebble', price: 59.95, subtotal: 59.95 }] },
});

// The record dispatch keeps of an order in Redis, parsed; null when none.
async function recordOf(redis, orderid) {
  const reply = await redis.command(['GET', `dispatch:order:${orderid}`]);
  if (reply.startsWith('$-1')) return null;
  return JSON.parse(reply.slice(reply.indexOf('\r\n') + 2, -2));
}

describe('dispatch', () => {
  let rabbit, amqp, redis, dispatch;
  const FAST = { DISPATCH_MIN_MS: '10', DISPATCH_MAX_MS: '30' };
  const stores = () => ({ AMQP_URL: rabbit.url, REDIS_URL: redis.url });

  const start = (env = {}) => startService('dispatch', { ...stores(), ...FAST, ...env });

  // Publishes as payment does: to exchange robot-shop with key orders.
  function publish(o, headers) {
    amqp.publish('robot-shop', 'orders', typeof o === 'string' ? o : JSON.stringify(o), { headers });
  }

  before(async () => {
    [rabbit, redis] = await Promise.all([startRabbit(), startRedis()]);
    amqp = await rabbit.connect();
    dispatch = await start();
    await until('dispatch ready', async () => (await call(dispatch, '/ready')).status === 200);
  });

  after(async () => {
    await dispatch?.stop();
    await amqp?.close();
    await rabbit?.destroy();
    await redis?.destroy();
  });

  test('GET /health is OK; /ready reports the consumer; it consumes the orders queue', async () => {
    const h = await call(dispatch, '/health');
    assert.deepEqual(h, { status: 200, body: 'OK' });
    const ready = await call(dispatch, '/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { rabbitmq: true, redis: true });
    assert.equal((await amqp.queueInfo('orders')).consumerCount, 1);
    assert.equal((await call(dispatch, '/nothing')).status, 404);
  });

  test('processes each published order, logs it with its trace id, acks it', async () => {
    const get0 = await metrics(dispatch);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const orders = Array.from({ length: 25 }, () => order());
    publish(orders[0], { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    for (const o of orders.slice(1)) publish(o);
    await until('all orders dispatched', () => orders.every((o) => logFor(dispatch, o.orderid)));
    for (const o of orders) {
      const line = logFor(dispatch, o.orderid);
      assert.equal(line.msg, `order ${o.orderid} dispatched`);
      assert.equal(line.level, 'info');
      assert.equal(line.service, 'dispatch');
      assert.match(line.trace_id, /^[0-9a-f]{32}$/);
    }
    assert.equal(logFor(dispatch, orders[0].orderid).trace_id, traceId, 'the trace goes on from payment');
    const get = await metrics(dispatch);
    assert.equal(get('orders_processed_total') - get0('orders_processed_total'), 25);
    assert.equal(get('orders_failed_total') - get0('orders_failed_total'), 0);
    assert.equal(get('order_processing_seconds_count') - get0('order_processing_seconds_count'), 25);
    assert.ok(get('order_processing_seconds_sum') - get0('order_processing_seconds_sum') >= 25 * 0.009);
    assert.equal(get('orders_in_flight'), 0);
    assert.equal((await amqp.queueInfo('orders')).messageCount, 0, 'the queue drained');
  });

  test('orders are processed concurrently, up to the prefetch', async () => {
    const slow = await startService('dispatch', {
      ...stores(), DISPATCH_MIN_MS: '600', DISPATCH_MAX_MS: '600', DISPATCH_PREFETCH: '4',
    });
    await stopClean(dispatch);
    try {
      await until('slow ready', async () => (await call(slow, '/ready')).status === 200);
      const orders = Array.from({ length: 6 }, () => order());
      for (const o of orders) publish(o);
      // 4 at once (the prefetch), the 2 others wait on the queue, unacked by no one
      const inFlight = await until('4 in flight', async () => {
        const get = await metrics(slow);
        return get('orders_in_flight') === 4 ? get : null;
      }, 5000);
      assert.equal(inFlight('orders_in_flight'), 4);
      assert.equal((await amqp.queueInfo('orders')).messageCount, 2);
      await until('all dispatched', () => orders.every((o) => logFor(slow, o.orderid)), 10000);
      await until('queue drained', async () => (await amqp.queueInfo('orders')).messageCount === 0);
    } finally {
      await stopClean(slow);
      dispatch = await start();
    }
  });

  test('malformed messages are logged, acked and counted as failed; it keeps going', async () => {
    const get0 = await metrics(dispatch);
    const bad = ['not json', '[1,2,3]', '{"orderid":5,"user":"u","cart":{}}', '{"orderid":"../x","user":"u","cart":{}}',
      '{"orderid":"abc","cart":{}}', '{"orderid":"abc","user":"u","cart":[]}', '', '\u0000\u00ff'];
    for (const b of bad) publish(b);
    const good = order();
    publish(good);
    await until('the good order', () => logFor(dispatch, good.orderid));
    await until('all counted', async () =>
      (await metrics(dispatch))('orders_processed_total') - get0('orders_processed_total') === bad.length + 1);
    const get = await metrics(dispatch);
    assert.equal(get('orders_failed_total') - get0('orders_failed_total'), bad.length);
    assert.ok(dispatch.logs.filter((l) => l.msg?.startsWith('malformed order message dropped')).length >= bad.length);
    assert.equal((await amqp.queueInfo('orders')).messageCount, 0);
    assert.equal((await call(dispatch, '/health')).status, 200);
    assert.equal(dispatch.child.exitCode, null);
  });

  test('an order delivered twice (payment retried it) is dispatched once', async () => {
    const o = order();
    publish(o);
    publish(o);
    await until('the duplicate', () => dispatch.logs.some((l) =>
      l.msg === `order ${o.orderid} already dispatched: duplicate message dropped`));
    assert.equal(dispatch.logs.filter((l) => l.msg === `order ${o.orderid} dispatched`).length, 1);
    assert.equal((await amqp.queueInfo('orders')).messageCount, 0, 'both acked');
    assert.match(await (await dispatch.fetch('/metrics')).text(), /^orders_duplicate_total 1$/m);
    assert.equal(dispatch.child.exitCode, null);
  });

  test('each order is recorded in Redis under its id, as it came, with its outcome', async () => {
    const o = order();
    publish(o);
    await until('dispatched', () => logFor(dispatch, o.orderid));
    const rec = await recordOf(redis, o.orderid);
    assert.deepEqual({ ...rec, dispatched_at: undefined }, { ...o, outcome: 'dispatched', dispatched_at: undefined });
    assert.match(rec.dispatched_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const ttl = Number((await redis.command(['TTL', `dispatch:order:${o.orderid}`])).slice(1));
    assert.ok(ttl > 29 * 24 * 3600 && ttl <= 30 * 24 * 3600, `TTL ${ttl}`);
  });

  test('an order delivered again after dispatch was killed (SIGKILL) and started again is recorded once', async () => {
    const o = order();
    publish(o);
    await until('dispatched', () => logFor(dispatch, o.orderid));
    const first = await recordOf(redis, o.orderid);
    await until('acked', async () => (await amqp.queueInfo('orders')).messageCount === 0);
    await dispatch.stop('SIGKILL');
    dispatch = await start();
    await until('ready', async () => (await call(dispatch, '/ready')).status === 200);
    publish(o);   // as payment's retry or the broker's redelivery brings it
    await until('the duplicate', () => dispatch.logs.some((l) =>
      l.msg === `order ${o.orderid} already dispatched: duplicate message dropped`));
    assert.ok(!dispatch.logs.some((l) => l.msg?.startsWith(`order ${o.orderid} dispatched`)), 'dispatched again');
    assert.deepEqual(await recordOf(redis, o.orderid), first, 'the record is the first one');
    assert.match(await (await dispatch.fetch('/metrics')).text(), /^orders_duplicate_total 1$/m);
    await until('acked', async () => (await amqp.queueInfo('orders')).messageCount === 0);
  });

  test('while Redis is out: not ready, an order waits unrecorded; once Redis is back it is dispatched once', async () => {
    await redis.stop();
    const o = order();
    try {
      const ready = await until('not ready', async () => {
        const r = await call(dispatch, '/ready');
        return r.status === 503 ? r : null;
      }, 5000);
      assert.deepEqual(ready.body.checks, { rabbitmq: true, redis: false });
      publish(o);
      await until('left to come again', () => dispatch.logs.some((l) =>
        l.msg === `order ${o.orderid}: redis not available: left to come again`), 5000);
      assert.equal(logFor(dispatch, o.orderid).level, 'warn');
      assert.ok(!dispatch.logs.some((l) => l.msg?.startsWith(`order ${o.orderid} dispatched`)));
    } finally {
      await redis.start();
    }
    await until('dispatched once Redis is back', () => dispatch.logs.some((l) =>
      l.msg?.startsWith(`order ${o.orderid} dispatched`)), 15000);
    assert.equal((await recordOf(redis, o.orderid)).outcome, 'dispatched');
    await until('acked', async () => (await amqp.queueInfo('orders')).messageCount === 0);
    assert.equal(dispatch.logs.filter((l) => l.msg?.startsWith(`order ${o.orderid} dispatched`)).length, 1);
  });

  test('DISPATCH_ERROR_PERCENT=100 fails every order (still acked, counted, logged)', async () => {
    const failing = await startService('dispatch', { ...stores(), ...FAST, DISPATCH_ERROR_PERCENT: '100' });
    await stopClean(dispatch);
    try {
      await until('failing ready', async () => (await call(failing, '/ready')).status === 200);
      const orders = Array.from({ length: 10 }, () => order());
      for (const o of orders) publish(o);
      await until('all failed', () => orders.every((o) => logFor(failing, o.orderid)));
      for (const o of orders) {
        const line = logFor(failing, o.orderid);
        assert.equal(line.msg, `order ${o.orderid} failed`);
        assert.equal(line.level, 'warn');
      }
      const get = await metrics(failing);
      assert.equal(get('orders_failed_total'), 10);
      assert.equal(get('orders_processed_total'), 10);
      await until('queue drained', async () => (await amqp.queueInfo('orders')).messageCount === 0);
    } finally {
      await stopClean(failing);
    }
    // after the stop, nothing comes back: every failed order was acked
    assert.equal((await amqp.queueInfo('orders')).messageCount, 0);
    dispatch = await start();
  });

  test('SIGKILL while processing: the order is delivered again to the next process', async () => {
    await stopClean(dispatch);
    const doomed = await startService('dispatch', {
      ...stores(), DISPATCH_MIN_MS: '5000', DISPATCH_MAX_MS: '5000',
    });
    await until('doomed ready', async () => (await call(doomed, '/ready')).status === 200);
    const o = order();
    publish(o);
    await until('taken', async () => (await metrics(doomed))('orders_in_flight') === 1, 5000);
    assert.equal((await amqp.queueInfo('orders')).messageCount, 0, 'taken off the queue, not acked');
    await doomed.stop('SIGKILL');
    assert.equal(logFor(doomed, o.orderid), undefined, 'never finished');
    await until('requeued', async () => (await amqp.queueInfo('orders')).messageCount === 1, 5000);
    dispatch = await start();
    const line = await until('redelivered and dispatched', () => logFor(dispatch, o.orderid));
    assert.equal(line.msg, `order ${o.orderid} dispatched (redelivered)`);
    await until('acked', async () => (await amqp.queueInfo('orders')).messageCount === 0);
  });

  test('SIGTERM while processing: the order is finished and acked, exit 0', async () => {
    await stopClean(dispatch);
    const d = await startService('dispatch', { ...stores(), DISPATCH_MIN_MS: '800', DISPATCH_MAX_MS: '800' });
    await until('ready', async () => (await call(d, '/ready')).status === 200);
    const o = order();
    publish(o);
    await until('taken', async () => (await metrics(d))('orders_in_flight') === 1, 5000);
    await stopClean(d);
    assert.equal(logFor(d, o.orderid)?.msg, `order ${o.orderid} dispatched`);
    await sleep(300);
    assert.equal((await amqp.queueInfo('orders')).messageCount, 0, 'acked, so not requeued');
    assert.equal((await amqp.queueInfo('orders')).consumerCount, 0);
    dispatch = await start();
  });

  test('broker restart: not ready while it is down, reconnects by itself, orders flow again', async () => {
    await until('ready', async () => (await call(dispatch, '/ready')).status === 200);
    // an order published before the outage and not yet taken survives it
    await amqp.close();
    await rabbit.stop();
    try {
      const ready = await until('not ready', async () => {
        const r = await call(dispatch, '/ready');
        return r.status === 503 ? r : null;
      }, 5000);
      assert.deepEqual(ready.body.checks, { rabbitmq: false, redis: true });
      assert.equal((await call(dispatch, '/health')).status, 200);
      assert.match(await (await dispatch.fetch('/metrics')).text(), /^db_up\{system="rabbitmq"\} 0$/m);
    } finally {
      await rabbit.start();
      amqp = await rabbit.connect();
    }
    await until('ready again', async () => (await call(dispatch, '/ready')).status === 200, 10000);
    const o = order();
    publish(o);
    await until('dispatched after the restart', () => logFor(dispatch, o.orderid));
    assert.equal((await amqp.queueInfo('orders')).consumerCount, 1);
    assert.equal(dispatch.child.exitCode, null);
  });

  test('broker hung (SIGSTOP): not ready within seconds, ready again when it resumes', async () => {
    const readyIs = async (status, ms) => {
      for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(100))
        if ((await call(dispatch, '/ready')).status === status) return true;
      return false;
    };
    assert.ok(await readyIs(200, 5000));
    await amqp.close();
    rabbit.freeze();
    try {
      assert.ok(await readyIs(503, 15000), '/ready says 503 while the broker hangs');
      assert.match(await (await dispatch.fetch('/metrics')).text(), /^db_up\{system="rabbitmq"\} 0$/m);
    } finally {
      rabbit.thaw();
      amqp = await rabbit.connect();
    }
    assert.ok(await readyIs(200, 15000), 'ready again once the broker answers');
  });

  test('orders queued while no dispatch runs are processed when one starts', async () => {
    await stopClean(dispatch);
    const orders = Array.from({ length: 5 }, () => order());
    for (const o of orders) publish(o);
    await amqp.waitForDepth('orders', 5);
    // and a broker restart in between does not lose them (durable, persistent)
    await amqp.close();
    await rabbit.stop();
    await rabbit.start();
    amqp = await rabbit.connect();
    assert.equal((await amqp.queueInfo('orders')).messageCount, 5);
    dispatch = await start();
    await until('all dispatched', () => orders.every((o) => logFor(dispatch, o.orderid)));
    await until('drained', async () => (await amqp.queueInfo('orders')).messageCount === 0);
  });

  test('an idle consumer outlives broker heartbeats (AMQP_HEARTBEAT_S=1)', async () => {
    await stopClean(dispatch);
    const hb = await start({ AMQP_HEARTBEAT_S: '1' });
    try {
      await until('ready', async () => (await call(hb, '/ready')).status === 200);
      await sleep(3500);   // idle for more than two heartbeat intervals
      assert.equal((await call(hb, '/ready')).status, 200);
      const o = order();
      publish(o);
      await until('dispatched', () => logFor(hb, o.orderid));
      assert.ok(!hb.logs.some((l) => /lost the broker/.test(l.msg)), 'the connection never dropped');
    } finally {
      await stopClean(hb);
    }
    dispatch = await start();
  });

  test('SIGTERM after all this: exit 0, the consumer gone, nothing on stderr', async () => {
    await stopClean(dispatch);
    assert.equal((await amqp.queueInfo('orders')).consumerCount, 0);
  });

  test('bad settings stop it at start with exit code 2', async () => {
    for (const [name, value] of [['DISPATCH_ERROR_PERCENT', '101'], ['DISPATCH_PREFETCH', '0'],
      ['DISPATCH_MIN_MS', 'x'], ['DISPATCH_MAX_MS', '-5'], ['AMQP_URL', 'amqp://'], ['AMQP_HEARTBEAT_S', 'y'],
      ['DISPATCH_RECORD_TTL_S', 'x'], ['REDIS_URL', 'http://redis']]) {
      const r = await runToExit(binary('dispatch'), {
        PATH: process.env.PATH, PORT: String(await freePort()), BIND: '127.0.0.1', [name]: value,
      });
      assert.equal(r.code, 2, `${name}=${value}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(name), `${name}=${value}`);
    }
    const r = await runToExit(binary('dispatch'), {
      PATH: process.env.PATH, PORT: String(await freePort()), DISPATCH_MIN_MS: '200', DISPATCH_MAX_MS: '100',
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /DISPATCH_MAX_MS/);
  });
});

describe('dispatch without a broker', () => {
  test('serves /health, is not ready, stops cleanly', async () => {
    const d = await startService('dispatch', {
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${await freePort()}/`, REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    try {
      assert.equal((await call(d, '/health')).status, 200);
      const ready = await call(d, '/ready');
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body.checks, { rabbitmq: false, redis: false });
    } finally {
      await stopClean(d);
    }
  });
});
