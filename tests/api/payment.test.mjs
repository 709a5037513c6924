// payment.test.mjs - black-box tests of the payment service against a real
// RabbitMQ node and the real user, cart and catalogue services (with
// Redis): every route of docs/openapi/payment.yaml, anonymous and registered buyers, the
// order message on the queue, the sales metrics, the payment gateway, and
// the promise that nothing is lost: while the broker is down or the payment
// fails, the answer is an error and the cart is still there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import {
  binary, call, freePort, metricValue, removeDir, runToExit, sleep, startService, tempDir,
} from './lib/service.mjs';
import { startRedis } from './lib/redis.mjs';
import { startRabbit } from './lib/rabbitmq.mjs';

const post = (body, headers = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

let uniq = 0;
const newId = (prefix = 'p') => `${prefix}-${process.pid}-${++uniq}`;
// Order ids are derived from the cart's state: UUIDs of version 8.
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const metric = metricValue;

// A tiny payment gateway: answers `status` and counts its calls.
function startGateway(status) {
  const gw = { status, calls: 0 };
  gw.server = http.createServer((req, res) => {
    gw.calls++;
    res.writeHead(gw.status, { 'content-type': 'text/plain' });
    res.end('gateway');
  });
  return new Promise((resolve) => gw.server.listen(0, '127.0.0.1', () => {
    gw.url = `http://127.0.0.1:${gw.server.address().port}/charge`;
    resolve(gw);
  }));
}

describe('payment', () => {
  let dir, redis, rabbit, amqp, catalogue, user, cart, payment;

  // A cart with products and shipping, as the storefront would send it.
  async function fillCart(id, lines = [['RB-PEBBLE-5', 2], ['RB-MOPSY-2', 1]]) {
    for (const [sku, qty] of lines)
      assert.equal((await call(cart, `/add/${id}/${sku}/${qty}`)).status, 200);
    const r = await call(cart, `/shipping/${id}`, post({ distance: 120, cost: 18.5, location: 'Lyon' }));
    assert.equal(r.status, 200);
    return r.body;
  }

  async function registerUser() {
    const name = newId('u');
    const r = await call(user, '/register', post({ name, password: 'secret-pw', email: `${name}@example.com` }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return name;
  }

  // The one message on the queue (which the test emptied before paying).
  async function takeOrder() {
    await amqp.waitForDepth('orders', 1);
    const m = await amqp.get('orders');
    assert.ok(m, 'a message is on the queue');
    return m;
  }

  async function depth() {
    return (await amqp.queueInfo('orders')).messageCount;
  }

  before(async () => {
    dir = tempDir();
    [redis, rabbit] = await Promise.all([startRedis(), startRabbit()]);
    catalogue = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'catalogue.db') });
    user = await startService('user', { REDIS_URL: redis.url, DOCSTORE_PATH: path.join(dir, 'user.db') });
    cart = await startService('cart', { REDIS_URL: redis.url, CATALOGUE_URL: catalogue.url });
    payment = await startService('payment', {
      AMQP_URL: rabbit.url, USER_URL: user.url, CART_URL: cart.url,
    });
    amqp = await rabbit.connect();
  });

  after(async () => {
    await amqp?.close();
    await payment?.stop();
    await cart?.stop();
    await user?.stop();
    await catalogue?.stop();
    await redis?.destroy();
    await rabbit?.destroy();
    removeDir(dir);
  });

  test('GET /health is OK; /ready reports the broker; the topology is declared', async () => {
    const h = await call(payment, '/health');
    assert.equal(h.status, 200);
    assert.equal(h.body, 'OK');
    const ready = await call(payment, '/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { rabbitmq: true });
    // the queue exists (durable) and is bound: a passive declare succeeds
    assert.equal(typeof (await amqp.queueInfo('orders')).messageCount, 'number');
    assert.match(await (await payment.fetch('/metrics')).text(), /^db_up\{system="rabbitmq"\} 1$/m);
  });

  test('POST /pay refuses carts without a total or a SHIP line: 400, nothing queued, cart kept', async () => {
    await amqp.purge('orders');
    const id = newId();
    const full = await fillCart(id);
    const noShip = { ...full, items: full.items.filter((i) => i.sku !== 'SHIP') };
    const cases = [
      { ...full, total: 0 },
      noShip,
      { total: 10, tax: 1.67, items: [] },
      { items: full.items },
      { ...full, total: 'lots' },
      { ...full, items: 'SHIP' },
      { ...full, items: [...full.items, { sku: 'RB-PEBBLE-5', qty: -1 }] },
      {},
    ];
    for (const c of cases) {
      const r = await call(payment, `/pay/${id}`, post(c));
      assert.deepEqual({ status: r.status, body: r.body }, { status: 400, body: { error: 'cart not valid' } },
        JSON.stringify(c));
    }
    for (const bad of ['not json', '[1,2]', '"cart"', '']) {
      const r = await call(payment, `/pay/${id}`, post(bad));
      assert.equal(r.status, 400, bad);
      assert.equal(typeof r.body.error, 'string', bad);
    }
    assert.equal(await depth(), 0, 'nothing was queued');
    assert.deepEqual((await call(cart, `/cart/${id}`)).body, full, 'the cart is untouched');
  });

  test('POST /pay checks the path and the method', async () => {
    for (const p of [`/pay/${'a'.repeat(65)}`, '/pay/a%2Fb', '/pay/..']) {
      const r = await call(payment, p, post({ total: 1 }));
      assert.ok([400, 404].includes(r.status), `${p}: ${r.status}`);
    }
    assert.equal((await call(payment, `/pay/${'a'.repeat(65)}`, post({}))).status, 400);
    assert.equal((await call(payment, '/pay/x')).status, 405);
    assert.equal((await call(payment, '/nothing')).status, 404);
    const big = await call(payment, '/pay/x', post({ pad: 'x'.repeat(70 * 1024) }));
    assert.equal(big.status, 413);
  });

  test('an anonymous buyer: 200 with a uuid4, the order queued, the cart deleted, no history', async () => {
    await amqp.purge('orders');
    const id = newId('anonymous');
    const c = await fillCart(id);
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const r = await call(payment, `/pay/${id}`,
      post(c, { traceparent: `00-${traceId}-1234567890abcdef-01` }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body), ['orderid']);
    assert.match(r.body.orderid, UUID4);

    const m = await takeOrder();
    assert.deepEqual(JSON.parse(m.body), { orderid: r.body.orderid, user: id, cart: c });
    assert.equal(m.exchange, 'robot-shop');
    assert.equal(m.routingKey, 'orders');
    assert.equal(m.properties.contentType, 'application/json');
    assert.equal(m.properties.deliveryMode, 2, 'persistent');
    assert.match(m.properties.headers.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    assert.deepEqual((await call(cart, `/cart/${id}`)).body, { error: 'cart not found' });
    assert.equal((await call(user, `/history/${id}`)).status, 404, 'no history for an anonymous buyer');
    const line = payment.logs.find((l) => l.msg === `order ${r.body.orderid} queued for ${id}`);
    assert.ok(line, 'the order is logged');
    assert.equal(line.trace_id, traceId);
  });

  test('a registered buyer: the order lands in the user history, the cart is deleted', async () => {
    await amqp.purge('orders');
    const name = await registerUser();
    const c = await fillCart(name, [['RB-TEAKETTLE-1', 3]]);
    const r = await call(payment, `/pay/${name}`, post(c));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.body.orderid, UUID4);

    const h = await call(user, `/history/${name}`);
    assert.equal(h.status, 200);
    assert.deepEqual(h.body, { name, history: [{ orderid: r.body.orderid, cart: c }] });
    assert.equal((await call(cart, `/cart/${name}`)).status, 404);
    const m = await takeOrder();
    assert.deepEqual(JSON.parse(m.body), { orderid: r.body.orderid, user: name, cart: c });

    // a second order is appended; each order has its own id
    const c2 = await fillCart(name, [['RB-PEBBLE-5', 1]]);
    const r2 = await call(payment, `/pay/${name}`, post(c2));
    assert.equal(r2.status, 200);
    assert.notEqual(r2.body.orderid, r.body.orderid);
    const h2 = await call(user, `/history/${name}`);
    assert.deepEqual(h2.body.history.map((o) => o.orderid), [r.body.orderid, r2.body.orderid]);
    await amqp.purge('orders');
  });

  test('no stored cart: 404 cart not found, nothing queued; a paid cart cannot be replayed', async () => {
    await amqp.purge('orders');
    const id = newId();
    const c = await fillCart(id);
    assert.equal((await call(cart, `/cart/${id}`, { method: 'DELETE' })).status, 200);
    let r = await call(payment, `/pay/${id}`, post(c));
    assert.deepEqual({ status: r.status, body: r.body }, { status: 404, body: { error: 'cart not found' } });
    assert.equal(await depth(), 0);

    const paid = newId();
    const pc = await fillCart(paid);
    assert.equal((await call(payment, `/pay/${paid}`, post(pc))).status, 200);
    r = await call(payment, `/pay/${paid}`, post(pc));
    assert.deepEqual({ status: r.status, body: r.body }, { status: 404, body: { error: 'cart not found' } });
    await amqp.waitForDepth('orders', 1);
    assert.equal(await depth(), 1, 'one order for the one paid cart');
    await amqp.purge('orders');
  });

  test('the stored cart is charged: a tampered body is 409, nothing queued, the cart kept', async () => {
    await amqp.purge('orders');
    const id = newId();
    const c = await fillCart(id);
    const pebble = c.items.find((i) => i.sku === 'RB-PEBBLE-5');
    const tampered = [
      { ...c, total: 0.01 },
      { ...c, items: c.items.map((i) => (i.sku === 'SHIP' ? i : { ...i, qty: 1000 })), total: 0.01 },
      { ...c, items: c.items.map((i) => (i === pebble ? { ...i, price: 0.01, subtotal: 0.02 } : i)) },
      { ...c, items: [...c.items, { sku: 'RB-NOSUCH-9', qty: 1, price: 1, subtotal: 1 }] },
      { ...c, items: c.items.filter((i) => i !== pebble) },
      { ...c, items: [...c.items, pebble] },
    ];
    for (const t of tampered) {
      const r = await call(payment, `/pay/${id}`, post(t));
      assert.equal(r.status, 409, JSON.stringify(t));
      assert.match(r.body.error, /cart has changed/);
    }
    assert.equal(await depth(), 0, 'nothing was queued');
    assert.deepEqual((await call(cart, `/cart/${id}`)).body, c, 'the cart is untouched');
    // the stored cart itself, lines in another order, is the cart
    const r = await call(payment, `/pay/${id}`, post({ ...c, items: [...c.items].reverse() }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(JSON.parse((await takeOrder()).body).cart, c);
  });

  test('50 concurrent payments of one cart make one order', async () => {
    await amqp.purge('orders');
    const id = newId();
    const c = await fillCart(id);
    const rs = await Promise.all(Array.from({ length: 50 }, () => call(payment, `/pay/${id}`, post(c))));
    const ok = rs.filter((r) => r.status === 200);
    assert.ok(ok.length >= 1);
    for (const r of rs)
      assert.ok(r.status === 200 || (r.status === 404 && r.body.error === 'cart not found'),
        `${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(new Set(ok.map((r) => r.body.orderid)).size, 1, 'one order id');
    await sleep(300);
    assert.equal(await depth(), 1, 'one message queued');
    const m = await takeOrder();
    assert.equal(JSON.parse(m.body).orderid, ok[0].body.orderid);
    assert.equal(m.properties.messageId, ok[0].body.orderid, 'the order id is the message id');
  });

  test('a changed cart is another order; the same cart is the same order', async () => {
    const a = newId(), b = newId();
    const ca = await fillCart(a, [['RB-PEBBLE-5', 1]]);
    const cb = await fillCart(b, [['RB-PEBBLE-5', 1]]);
    await amqp.purge('orders');
    const ra = await call(payment, `/pay/${a}`, post(ca));
    const rb = await call(payment, `/pay/${b}`, post(cb));
    assert.notEqual(ra.body.orderid, rb.body.orderid, 'two carts with the same lines, two orders');
    await amqp.purge('orders');
  });

  test('metrics: sold_count, units_sold and cart_value count each order', async () => {
    const before = await (await payment.fetch('/metrics')).text();
    const id = newId();
    const c = await fillCart(id, [['RB-PEBBLE-5', 4], ['RB-WORMWISE-1', 3]]);   // 7 units
    assert.equal((await call(payment, `/pay/${id}`, post(c))).status, 200);
    const text = await (await payment.fetch('/metrics')).text();
    const delta = (name, labels) => metric(text, name, labels) - metric(before, name, labels);
    assert.equal(delta('sold_count'), 7);
    assert.equal(delta('units_sold_count'), 1);
    assert.equal(delta('units_sold_sum'), 7);
    assert.equal(delta('units_sold_bucket', { le: '5' }), 0);
    assert.equal(delta('units_sold_bucket', { le: '10' }), 1);
    assert.equal(delta('cart_value_count'), 1);
    assert.ok(Math.abs(delta('cart_value_sum') - c.total) < 1e-6, `${delta('cart_value_sum')} vs ${c.total}`);
    assert.equal(delta('cart_value_bucket', { le: '500' }), c.total <= 500 ? 1 : 0);
    assert.equal(delta('cart_value_bucket', { le: '10000' }), 1);
    assert.match(text, /^# TYPE units_sold histogram$/m);
    assert.match(text, /^# TYPE cart_value histogram$/m);
    assert.match(text, /^# TYPE sold_count counter$/m);
    await amqp.purge('orders');
  });

  test('concurrent payments each get their own order, all queued', async () => {
    await amqp.purge('orders');
    const ids = Array.from({ length: 12 }, () => newId());
    const carts = [];
    for (const id of ids) carts.push(await fillCart(id, [['RB-PEBBLE-5', 1]]));
    const rs = await Promise.all(ids.map((id, i) => call(payment, `/pay/${id}`, post(carts[i]))));
    assert.deepEqual(rs.map((r) => r.status), ids.map(() => 200));
    assert.equal(new Set(rs.map((r) => r.body.orderid)).size, ids.length);
    await amqp.waitForDepth('orders', ids.length);
    await amqp.purge('orders');
  });

  test('user service unreachable: 503 user not available, nothing queued, cart kept', async () => {
    await amqp.purge('orders');
    const lonely = await startService('payment', {
      AMQP_URL: rabbit.url, USER_URL: `http://127.0.0.1:${await freePort()}`, CART_URL: cart.url,
    });
    try {
      const id = newId();
      const c = await fillCart(id);
      const r = await call(lonely, `/pay/${id}`, post(c));
      assert.deepEqual({ status: r.status, body: r.body }, { status: 503, body: { error: 'user not available' } });
      assert.equal(await depth(), 0);
      assert.equal((await call(cart, `/cart/${id}`)).status, 200);
    } finally {
      await lonely.stop();
    }
  });

  test('PAYMENT_GATEWAY: a refusal is 502 payment failed and keeps the cart; a 2xx lets it through', async () => {
    await amqp.purge('orders');
    const gw = await startGateway(402);
    const paid = await startService('payment', {
      AMQP_URL: rabbit.url, USER_URL: user.url, CART_URL: cart.url, PAYMENT_GATEWAY: gw.url,
    });
    try {
      const id = newId();
      const c = await fillCart(id);
      let r = await call(paid, `/pay/${id}`, post(c));
      assert.deepEqual({ status: r.status, body: r.body }, { status: 502, body: { error: 'payment failed' } });
      assert.equal(gw.calls, 1);
      assert.equal(await depth(), 0, 'nothing queued');
      assert.deepEqual((await call(cart, `/cart/${id}`)).body, c, 'the cart is kept');

      gw.status = 500;
      r = await call(paid, `/pay/${id}`, post(c));
      assert.equal(r.status, 502);

      gw.status = 200;
      r = await call(paid, `/pay/${id}`, post(c));
      assert.equal(r.status, 200);
      assert.match(r.body.orderid, UUID4);
      assert.equal(await depth(), 1);
      assert.equal((await call(cart, `/cart/${id}`)).status, 404);
    } finally {
      await paid.stop();
      gw.server.close();
      await amqp.purge('orders');
    }
    // an unreachable gateway is a failed payment too
    const nowhere = await startService('payment', {
      AMQP_URL: rabbit.url, USER_URL: user.url, CART_URL: cart.url,
      PAYMENT_GATEWAY: `http://127.0.0.1:${await freePort()}/charge`,
    });
    try {
      const id = newId();
      const c = await fillCart(id);
      const r = await call(nowhere, `/pay/${id}`, post(c));
      assert.equal(r.status, 502);
      assert.equal((await call(cart, `/cart/${id}`)).status, 200);
    } finally {
      await nowhere.stop();
    }
  });

  test('PAYMENT_DELAY_MS delays each order', async () => {
    const slow = await startService('payment', {
      AMQP_URL: rabbit.url, USER_URL: user.url, CART_URL: cart.url, PAYMENT_DELAY_MS: '400',
    });
    try {
      const t0 = performance.now();
      const r = await call(slow, `/pay/${newId()}`, post({ total: 0 }));
      assert.equal(r.status, 400);
      assert.ok(performance.now() - t0 >= 390, 'the delay applies');
    } finally {
      await slow.stop();
    }
  });

  test('an idle payment outlives broker heartbeats (AMQP_HEARTBEAT_S=1)', async () => {
    await amqp.purge('orders');
    const hb = await startService('payment', {
      AMQP_URL: rabbit.url, USER_URL: user.url, CART_URL: cart.url, AMQP_HEARTBEAT_S: '1', THREADS: '1',
    });
    try {
      const firstId = newId();
      const first = await fillCart(firstId);
      assert.equal((await call(hb, `/pay/${firstId}`, post(first))).status, 200);
      await sleep(3500);   // more than two heartbeat intervals without a publish
      assert.equal((await call(hb, '/ready')).status, 200);
      const id = newId();
      const c = await fillCart(id);
      const r = await call(hb, `/pay/${id}`, post(c));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(await depth(), 2);
      assert.ok(!hb.logs.some((l) => /not answering/.test(l.msg)), 'the broker never looked down');
    } finally {
      await hb.stop();
      await amqp.purge('orders');
    }
  });

  test('bad settings stop it at start with exit code 2', async () => {
    for (const [name, value] of [['AMQP_URL', 'http://rabbit:5672'], ['AMQP_URL', 'amqp://h:99999/'],
      ['AMQP_URL', 'amqp://h/?x=1'], ['AMQP_TIMEOUT_MS', 'soon'], ['PAYMENT_DELAY_MS', '-1'],
      ['USER_URL', 'user:8080'], ['PAYMENT_GATEWAY', 'ftp://gw']]) {
      const r = await runToExit(binary('payment'), {
        PATH: process.env.PATH, PORT: String(await freePort()), BIND: '127.0.0.1', [name]: value,
      });
      assert.equal(r.code, 2, `${name}=${value}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(name), `${name}=${value}`);
    }
  });

  test('broker down: fast 503, the cart is kept, /ready says so; back without a restart', async () => {
    const id = newId();
    const c = await fillCart(id);
    await amqp.close();
    await rabbit.stop();
    try {
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const r = await call(payment, `/pay/${id}`, post(c));
        assert.deepEqual({ status: r.status, body: r.body }, { status: 503, body: { error: 'rabbitmq not available' } });
        assert.ok(performance.now() - t0 < 2500, 'answered within the AMQP timeout');
      }
      assert.deepEqual((await call(cart, `/cart/${id}`)).body, c, 'the cart is still there');
      let ready;
      for (let i = 0; i < 40; i++) {
        ready = await call(payment, '/ready');
        if (ready.status === 503) break;
        await sleep(100);
      }
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body.checks, { rabbitmq: false });
      assert.match(await (await payment.fetch('/metrics')).text(), /^db_up\{system="rabbitmq"\} 0$/m);
    } finally {
      await rabbit.start();
      amqp = await rabbit.connect();
    }
    const t0 = Date.now();
    let r;
    while (Date.now() - t0 < 10000) {
      r = await call(payment, `/pay/${id}`, post(c));
      if (r.status === 200) break;
      assert.equal(r.status, 503);
      await sleep(200);
    }
    assert.equal(r.status, 200, 'paying works again once the broker is back');
    assert.equal((await call(cart, `/cart/${id}`)).status, 404);
    assert.equal((await call(payment, '/ready')).status, 200);
    // exactly one order was queued for all those attempts
    const m = await takeOrder();
    assert.equal(JSON.parse(m.body).orderid, r.body.orderid);
    assert.equal(await depth(), 0);
    assert.equal(payment.child.exitCode, null);
  });

  test('broker hung (SIGSTOP): 504 outcome unknown with the order id; retries give that order, once', async () => {
    // One worker thread, its broker connection open: the publish is sent
    // and then the broker hangs.
    const p = await startService('payment', {
      AMQP_URL: rabbit.url, USER_URL: user.url, CART_URL: cart.url, THREADS: '1',
    });
    try {
      const warm = newId();
      assert.equal((await call(p, `/pay/${warm}`, post(await fillCart(warm)))).status, 200);
      const id = newId();
      const c = await fillCart(id);
      await amqp.purge('orders');
      await amqp.close();
      rabbit.freeze();
      let first;
      try {
        const t0 = performance.now();
        first = await call(p, `/pay/${id}`, post(c));
        assert.ok(performance.now() - t0 < 4500, 'answered before the gateway gives up');
        assert.equal(first.status, 504, JSON.stringify(first.body));
        assert.equal(first.body.error, 'outcome unknown');
        assert.match(first.body.orderid, UUID4);
        // still hung: never "not applied" for an order that may stand
        const again = await call(p, `/pay/${id}`, post(c));
        assert.deepEqual({ status: again.status, body: again.body },
          { status: 504, body: { error: 'outcome unknown', orderid: first.body.orderid } });
        assert.equal((await call(cart, `/cart/${id}`)).status, 200, 'the cart is kept while unknown');
      } finally {
        rabbit.thaw();
      }
      let r;
      for (const t0 = Date.now(); Date.now() - t0 < 20000; await sleep(200)) {
        r = await call(p, `/pay/${id}`, post(c));
        if (r.status === 200) break;
      }
      assert.deepEqual({ status: r.status, body: r.body }, { status: 200, body: { orderid: first.body.orderid } },
        'the retry is the same order');
      assert.equal((await call(cart, `/cart/${id}`)).status, 404, 'the cart is emptied');
      amqp = await rabbit.connect();
      await sleep(300);
      const ids = [];
      for (let m; (m = await amqp.get('orders'));) ids.push(JSON.parse(m.body).orderid);
      assert.ok(ids.length >= 1, 'the order is queued');
      assert.deepEqual([...new Set(ids)], [first.body.orderid], 'every message on the queue is that one order');
    } finally {
      await p.stop();
    }
  });

  test('cart hung (SIGSTOP): 503 cart not available within the budget, nothing queued', async () => {
    await amqp.purge('orders');
    const id = newId();
    const c = await fillCart(id);
    cart.child.kill('SIGSTOP');
    try {
      const t0 = performance.now();
      const r = await call(payment, `/pay/${id}`, post(c));
      assert.ok(performance.now() - t0 < 4500, 'answered before the gateway gives up');
      assert.deepEqual({ status: r.status, body: r.body }, { status: 503, body: { error: 'cart not available' } });
    } finally {
      cart.child.kill('SIGCONT');
    }
    assert.equal(await depth(), 0);
    const r = await call(payment, `/pay/${id}`, post(c));
    assert.equal(r.status, 200);
    await amqp.purge('orders');
  });

  test('the history and the emptying of the cart are retried until done', async () => {
    // A cart service whose DELETE fails while `holding`, and a user service
    // whose /order fails likewise: the order stands all the same.
    let holding = true;
    const proxy = (target) => http.createServer((req, res) => {
      if (holding && (req.method === 'DELETE' || req.url.startsWith('/order/'))) {
        req.resume();
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":"database not available"}');
        return;
      }
      const up = http.request({ host: '127.0.0.1', port: target.port, path: req.url, method: req.method,
        headers: req.headers }, (ur) => { res.writeHead(ur.statusCode, ur.headers); ur.pipe(res); });
      up.on('error', () => { res.writeHead(502); res.end(); });
      req.pipe(up);
    });
    const listen = (srv) => new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv.address().port)));
    const cartProxy = proxy(cart), userProxy = proxy(user);
    const cp = await listen(cartProxy), up = await listen(userProxy);
    const p = await startService('payment', {
      AMQP_URL: rabbit.url, USER_URL: `http://127.0.0.1:${up}`, CART_URL: `http://127.0.0.1:${cp}`,
    });
    try {
      await amqp.purge('orders');
      const name = await registerUser();
      const c = await fillCart(name);
      const r = await call(p, `/pay/${name}`, post(c));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal((await call(cart, `/cart/${name}`)).status, 200, 'not emptied yet');
      // paying again is the same order, queued once more at most, never a new one
      const again = await call(p, `/pay/${name}`, post(c));
      assert.deepEqual(again.body, r.body);
      holding = false;
      let gone = false;
      for (const t0 = Date.now(); !gone && Date.now() - t0 < 10000; await sleep(100))
        gone = (await call(cart, `/cart/${name}`)).status === 404;
      assert.ok(gone, 'the cart is emptied once the cart service takes it');
      const h = await call(user, `/history/${name}`);
      assert.deepEqual(h.body.history.map((o) => o.orderid), [r.body.orderid], 'recorded once');
      assert.equal(await depth(), 1, 'one order queued');
    } finally {
      await p.stop();
      cartProxy.close();
      userProxy.close();
      await amqp.purge('orders');
    }
  });

  test('SIGTERM: a clean stop, exit 0, nothing on stderr (no sanitizer report)', async () => {
    const p = await startService('payment', { AMQP_URL: rabbit.url, USER_URL: user.url, CART_URL: cart.url });
    assert.equal((await p.stop()).code, 0);
    // the instance that served every test above, through the broker outage
    const { code } = await payment.stop();
    assert.equal(code, 0);
    assert.equal(payment.stderr, '');
    assert.ok(payment.logs.some((l) => l.msg === 'payment stopped'));
  });
});

describe('payment without a broker', () => {
  test('starts, is not ready, answers 503 fast', async () => {
    const payment = await startService('payment', {
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${await freePort()}/`,
      USER_URL: `http://127.0.0.1:${await freePort()}`, CART_URL: `http://127.0.0.1:${await freePort()}`,
    });
    try {
      assert.equal((await call(payment, '/health')).status, 200);
      const ready = await call(payment, '/ready');
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body.checks, { rabbitmq: false });
    } finally {
      const { code } = await payment.stop();
      assert.equal(code, 0);
    }
  });
});
