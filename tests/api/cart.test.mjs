// cart.test.mjs - black-box tests of the cart service against a real
// redis-server and the real catalogue: every route of docs/openapi/cart.yaml, the limits,
// exact money, atomic concurrent changes, and Redis and catalogue outages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, binary, call, freePort, halfClosedRequest, parseMetrics, removeDir, runToExit, sleep, startService, tempDir,
} from './lib/service.mjs';
import { startRedis } from './lib/redis.mjs';

const SEED = JSON.parse(readFileSync(path.join(ROOT, 'data/products.json'), 'utf8'));
const product = (sku) => SEED.find((p) => p.sku === sku);
const inStock = SEED.filter((p) => p.instock > 0);
const outOfStock = SEED.filter((p) => p.instock === 0);

const cents = (x) => Math.round(x * 100);

// What the cart must say, computed independently from its lines in cents.
function checkMoney(cart) {
  let total = 0;
  for (const item of cart.items) {
    assert.equal(cents(item.subtotal), cents(item.price) * item.qty, item.sku);
    total += cents(item.price) * item.qty;
  }
  assert.equal(cents(cart.total), total);
  assert.equal(cents(cart.tax), Math.round(total / 6));   // total - total/1.2
}

let uniq = 0;
const newId = (prefix = 'c') => `${prefix}-${process.pid}-${++uniq}`;

describe('cart', () => {
  let redis, catalogue, cart, dir;

  before(async () => {
    dir = tempDir();
    redis = await startRedis();
    catalogue = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'catalogue.db') });
    cart = await startService('cart', {
      REDIS_URL: redis.url, CATALOGUE_URL: catalogue.url, THREADS: '16',
    });
  });

  after(async () => {
    await cart?.stop();
    await catalogue?.stop();
    await redis?.destroy();
    removeDir(dir);
  });

  test('GET /health and /ready report Redis', async () => {
    assert.deepEqual((await call(cart, '/health')).body, { app: 'OK', redis: true });
    const ready = await call(cart, '/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { redis: true });
  });

  test('a client that shuts down its write side after the request gets every answer', async () => {
    // Each add is sent on its own connection, followed at once by a FIN: the
    // server must answer every complete request, not take the EOF for a
    // client gone while the handler runs on a worker.
    const id = newId('half');
    const sku = inStock[0].sku;
    const answers = await Promise.all(Array.from({ length: 50 }, () =>
      halfClosedRequest(cart.port, `GET /add/${id}/${sku}/1 HTTP/1.1\r\nHost: cart\r\n\r\n`)));
    const answered = answers.filter((a) => a.startsWith('HTTP/1.1 200 ')).length;
    const stored = (await call(cart, `/cart/${id}`)).body;
    assert.equal(stored.items[0].qty, 50, '50 adds applied');
    assert.equal(answered, 50, `${answered} of 50 adds answered`);
    const body = (await halfClosedRequest(cart.port,
      `GET /cart/${id} HTTP/1.1\r\nHost: cart\r\n\r\n`)).split('\r\n\r\n')[1];
    assert.equal(JSON.parse(body).items[0].qty, 50);
  });

  test('GET /cart/:id of an unknown cart is 404 cart not found', async () => {
    const r = await call(cart, `/cart/${newId()}`);
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { error: 'cart not found' });
  });

  test('GET /add creates the cart, adds up a repeated SKU, keeps exact money', async () => {
    const id = newId();
    const a = product('RB-PEBBLE-5');
    const b = product('RB-CHEF-1');
    let r = await call(cart, `/add/${id}/${a.sku}/2`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items, [
      { qty: 2, sku: a.sku, name: a.name, price: a.price, subtotal: cents(a.price) * 2 / 100 },
    ]);
    checkMoney(r.body);
    r = await call(cart, `/add/${id}/${b.sku}/1`);
    r = await call(cart, `/add/${id}/${a.sku}/3`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((i) => [i.sku, i.qty]), [[a.sku, 5], [b.sku, 1]]);
    checkMoney(r.body);
    assert.deepEqual((await call(cart, `/cart/${id}`)).body, r.body);
  });

  test('money does not drift over many lines and quantities', async () => {
    const id = newId();
    let last;
    for (const [i, p] of inStock.entries()) {
      last = await call(cart, `/add/${id}/${p.sku}/${(i * 7) % 13 + 1}`);
      assert.equal(last.status, 200);
    }
    checkMoney(last.body);
    const r = await call(cart, `/update/${id}/${inStock[0].sku}/999`);
    checkMoney(r.body);
  });

  test('GET /add refuses bad quantities, unknown and out-of-stock SKUs', async () => {
    const id = newId();
    const cases = [
      ['x', 400, 'quantity must be a number'],
      ['1.5', 400, 'quantity must be a number'],
      ['0', 400, 'quantity has to be greater than zero'],
      ['-3', 400, 'quantity has to be greater than zero'],
      ['1001', 400, 'quantity must be at most 1000'],
    ];
    for (const [qty, status, error] of cases) {
      const r = await call(cart, `/add/${id}/RB-PEBBLE-5/${qty}`);
      assert.equal(r.status, status, qty);
      assert.deepEqual(r.body, { error }, qty);
    }
    assert.deepEqual(await call(cart, `/add/${id}/RB-NOSUCH-1/1`),
      { status: 404, body: { error: 'product not found' } });
    assert.deepEqual(await call(cart, `/add/${id}/${outOfStock[0].sku}/1`),
      { status: 404, body: { error: 'out of stock' } });
    assert.deepEqual(await call(cart, `/add/${id}/SHIP/1`),
      { status: 404, body: { error: 'product not found' } });
    assert.equal((await call(cart, `/cart/${id}`)).status, 404, 'nothing was created');
  });

  test('a line holds at most 1000 units', async () => {
    const id = newId();
    assert.equal((await call(cart, `/add/${id}/RB-PEBBLE-5/1000`)).status, 200);
    const r = await call(cart, `/add/${id}/RB-PEBBLE-5/1`);
    assert.deepEqual(r, { status: 400, body: { error: 'quantity must be at most 1000' } });
    assert.equal((await call(cart, `/cart/${id}`)).body.items[0].qty, 1000);
  });

  test('bad ids and SKUs in the path are 400', async () => {
    for (const p of [`/cart/${'a'.repeat(65)}`, '/cart/a%2Fb', '/add/x/..%2Fy/1', '/update/a%00/RB-PEBBLE-5/1',
      `/rename/a/${'b'.repeat(65)}`]) {
      const r = await call(cart, p);
      assert.equal(r.status, 400, p);
      assert.equal(typeof r.body.error, 'string', p);
    }
  });

  test('GET /update sets a quantity, 0 removes the line', async () => {
    const id = newId();
    await call(cart, `/add/${id}/RB-PEBBLE-5/1`);
    await call(cart, `/add/${id}/RB-LANTERN-3/1`);
    let r = await call(cart, `/update/${id}/RB-PEBBLE-5/7`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((i) => [i.sku, i.qty]), [['RB-PEBBLE-5', 7], ['RB-LANTERN-3', 1]]);
    checkMoney(r.body);
    r = await call(cart, `/update/${id}/RB-PEBBLE-5/0`);
    assert.deepEqual(r.body.items.map((i) => i.sku), ['RB-LANTERN-3']);
    checkMoney(r.body);
    assert.deepEqual(await call(cart, `/update/${id}/RB-PEBBLE-5/1`),
      { status: 404, body: { error: 'not in cart' } });
    assert.deepEqual(await call(cart, `/update/${newId()}/RB-PEBBLE-5/1`),
      { status: 404, body: { error: 'cart not found' } });
    assert.deepEqual(await call(cart, `/update/${id}/RB-LANTERN-3/-1`),
      { status: 400, body: { error: 'negative quantity not allowed' } });
    assert.deepEqual(await call(cart, `/update/${id}/RB-LANTERN-3/abc`),
      { status: 400, body: { error: 'quantity must be a number' } });
    assert.deepEqual(await call(cart, `/update/${id}/RB-LANTERN-3/1001`),
      { status: 400, body: { error: 'quantity must be at most 1000' } });
  });

  test('POST /shipping/:id sets the one SHIP line, kept last', async () => {
    const id = newId();
    await call(cart, `/add/${id}/RB-PEBBLE-5/1`);
    const post = (body, headers = { 'content-type': 'application/json' }) =>
      call(cart, `/shipping/${id}`, { method: 'POST', headers, body });
    let r = await post(JSON.stringify({ distance: 120.5, cost: 23.4, location: 'Lyon' }));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.at(-1),
      { qty: 1, sku: 'SHIP', name: 'shipping to Lyon', price: 23.4, subtotal: 23.4 });
    checkMoney(r.body);
    r = await post(JSON.stringify({ distance: 900, cost: 99.99, location: 'Oslo' }));
    assert.equal(r.body.items.filter((i) => i.sku === 'SHIP').length, 1);
    assert.equal(r.body.items.at(-1).name, 'shipping to Oslo');
    r = await call(cart, `/add/${id}/RB-LANTERN-3/2`);
    assert.deepEqual(r.body.items.map((i) => i.sku), ['RB-PEBBLE-5', 'RB-LANTERN-3', 'SHIP']);
    checkMoney(r.body);
    for (const bad of ['{"cost":1,"location":"X"}', '{"distance":1,"cost":"a","location":"X"}',
      '{"distance":1,"cost":1}', '{"distance":1,"cost":-5,"location":"X"}']) {
      assert.deepEqual(await post(bad), { status: 400, body: { error: 'shipping data missing' } }, bad);
    }
    const malformed = await post('{"distance":');
    assert.equal(malformed.status, 400);
    const missing = await call(cart, `/shipping/${newId()}`, {
      method: 'POST', body: JSON.stringify({ distance: 1, cost: 1, location: 'X' }),
    });
    assert.deepEqual(missing, { status: 404, body: { error: 'cart not found' } });
  });

  test('GET /rename/:from/:to merges into an existing cart and removes the source', async () => {
    const anon = newId('anonymous');
    const user = newId('user');
    await call(cart, `/add/${anon}/RB-PEBBLE-5/2`);
    await call(cart, `/add/${anon}/RB-ZIGZAG-6/1`);
    await call(cart, `/shipping/${anon}`, { method: 'POST', body: '{"distance":1,"cost":5,"location":"A"}' });
    await call(cart, `/add/${user}/RB-PEBBLE-5/3`);
    await call(cart, `/add/${user}/RB-CHEF-1/1`);
    await call(cart, `/shipping/${user}`, { method: 'POST', body: '{"distance":2,"cost":7,"location":"B"}' });
    const r = await call(cart, `/rename/${anon}/${user}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((i) => [i.sku, i.qty]),
      [['RB-PEBBLE-5', 5], ['RB-CHEF-1', 1], ['RB-ZIGZAG-6', 1], ['SHIP', 1]]);
    assert.equal(r.body.items.at(-1).name, 'shipping to B');
    checkMoney(r.body);
    assert.deepEqual((await call(cart, `/cart/${user}`)).body, r.body);
    assert.equal((await call(cart, `/cart/${anon}`)).status, 404);
  });

  test('GET /rename to a new id moves the cart; an unknown source is 404', async () => {
    const from = newId();
    const to = newId();
    const added = await call(cart, `/add/${from}/RB-SPROCKET-1/4`);
    const r = await call(cart, `/rename/${from}/${to}`);
    assert.deepEqual(r.body, added.body);
    assert.equal((await call(cart, `/cart/${from}`)).status, 404);
    assert.deepEqual(await call(cart, `/rename/${newId()}/${to}`),
      { status: 404, body: { error: 'cart not found' } });
    assert.deepEqual((await call(cart, `/rename/${to}/${to}`)).body, added.body);
  });

  test('a merge past 1000 units changes neither cart', async () => {
    const from = newId();
    const to = newId();
    await call(cart, `/add/${from}/RB-PEBBLE-5/600`);
    await call(cart, `/add/${to}/RB-PEBBLE-5/600`);
    assert.deepEqual(await call(cart, `/rename/${from}/${to}`),
      { status: 400, body: { error: 'quantity must be at most 1000' } });
    assert.equal((await call(cart, `/cart/${from}`)).body.items[0].qty, 600);
    assert.equal((await call(cart, `/cart/${to}`)).body.items[0].qty, 600);
  });

  test('DELETE /cart/:id is 200 OK, then 404', async () => {
    const id = newId();
    await call(cart, `/add/${id}/RB-PEBBLE-5/1`);
    assert.deepEqual(await call(cart, `/cart/${id}`, { method: 'DELETE' }), { status: 200, body: 'OK' });
    assert.deepEqual(await call(cart, `/cart/${id}`, { method: 'DELETE' }),
      { status: 404, body: { error: 'cart not found' } });
  });

  test('a cart lives 3600 s after its last change', async () => {
    const id = newId();
    await call(cart, `/add/${id}/RB-PEBBLE-5/1`);
    const ttl = Number((await redis.command(['TTL', `cart:${id}`])).slice(1));
    assert.ok(ttl > 3590 && ttl <= 3600, `ttl ${ttl}`);
  });

  test('200 concurrent adds of one unit leave exactly 200 units', async () => {
    const id = newId();
    const p = product('RB-SPROCKET-1');
    const results = await Promise.all(Array.from({ length: 200 }, () =>
      call(cart, `/add/${id}/${p.sku}/1`)));
    assert.deepEqual(results.filter((r) => r.status !== 200), []);
    const r = await call(cart, `/cart/${id}`);
    assert.deepEqual(r.body.items.map((i) => [i.sku, i.qty]), [[p.sku, 200]]);
    assert.equal(cents(r.body.total), cents(p.price) * 200);
    checkMoney(r.body);
  });

  test('concurrent adds of different SKUs and updates all land', async () => {
    const id = newId();
    const skus = inStock.slice(0, 8).map((p) => p.sku);
    await Promise.all(skus.flatMap((sku) => Array.from({ length: 10 }, () => call(cart, `/add/${id}/${sku}/2`))));
    const r = await call(cart, `/cart/${id}`);
    assert.deepEqual(new Map(r.body.items.map((i) => [i.sku, i.qty])), new Map(skus.map((s) => [s, 20])));
    checkMoney(r.body);
  });

  test('items_added counts the units added', async () => {
    const before = parseMetrics(await (await cart.fetch('/metrics')).text())
      .find((s) => s.name === 'items_added')?.value ?? 0;
    await call(cart, `/add/${newId()}/RB-PEBBLE-5/3`);
    await call(cart, `/add/${newId()}/RB-BARKLEY-2/3`);   // out of stock: not counted
    const samples = parseMetrics(await (await cart.fetch('/metrics')).text());
    assert.equal(samples.find((s) => s.name === 'items_added').value, before + 3);
    assert.ok(samples.some((s) => s.name === 'http_client_request_duration_seconds_count' &&
      s.labels.peer === 'catalogue'));
  });

  test('catalogue down: adds are 503, other routes still work', async () => {
    const id = newId();
    await call(cart, `/add/${id}/RB-PEBBLE-5/1`);
    const port = catalogue.port;
    await catalogue.stop();
    try {
      const t0 = performance.now();
      const r = await call(cart, `/add/${id}/RB-PEBBLE-5/1`);
      assert.deepEqual(r, { status: 503, body: { error: 'catalogue not available' } });
      assert.ok(performance.now() - t0 < 3000);
      assert.equal((await call(cart, `/cart/${id}`)).body.items[0].qty, 1);
    } finally {
      catalogue = await startService('catalogue', {
        DOCSTORE_PATH: path.join(dir, 'catalogue.db'), PORT: String(port),
      });
    }
    assert.equal((await call(cart, `/add/${id}/RB-PEBBLE-5/1`)).status, 200);
  });

  test('CATALOGUE_URL of two addresses: one refusing is passed over, every add lands', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const twoCart = await startService('cart', {
      REDIS_URL: redis.url, CATALOGUE_URL: `${dead},${catalogue.url}/`,
    });
    try {
      const id = newId();
      for (let i = 1; i <= 6; i++) {
        const r = await call(twoCart, `/add/${id}/RB-PEBBLE-5/1`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.items[0].qty, i);
      }
    } finally {
      await twoCart.stop();
    }
  });

  test('a CATALOGUE_URL list with a bad address is a configuration error', async () => {
    const r = await runToExit(binary('cart'), {
      PATH: process.env.PATH, PORT: String(await freePort()), BIND: '127.0.0.1', REDIS_URL: redis.url,
      CATALOGUE_URL: `${catalogue.url},ftp://127.0.0.1:1`,
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CATALOGUE_URL=.*expected one or more http:\/\/ URLs, comma-separated/);
  });

  test('Redis hung (SIGSTOP): a 503 was not applied; an add sent and not answered is 504 outcome unknown', async () => {
    const id = newId();
    const adds = (n) => Promise.all(Array.from({ length: n }, () => call(cart, `/add/${id}/RB-PEBBLE-5/1`)));
    const warm = await adds(16);   // every worker has its connection
    assert.deepEqual(warm.map((r) => r.status), warm.map(() => 200));
    redis.freeze();
    const answers = [];
    try {
      for (const t0 = Date.now(); Date.now() - t0 < 3000;) answers.push(...await adds(8));
    } finally {
      redis.thaw();
    }
    const count = (s) => answers.filter((r) => r.status === s).length;
    for (const r of answers.filter((a) => a.status === 504))
      assert.deepEqual(r.body, { error: 'outcome unknown' });
    for (const r of answers.filter((a) => a.status === 503))
      assert.deepEqual(r.body, { error: 'database not available' });
    assert.deepEqual(answers.filter((r) => ![200, 503, 504].includes(r.status)), []);
    assert.ok(count(504) > 0, 'some adds were sent and not answered');
    let qty;
    for (const t0 = Date.now(); Date.now() - t0 < 5000; await sleep(100)) {
      const r = await call(cart, `/cart/${id}`);
      if (r.status === 200) { qty = r.body.items[0].qty; break; }
    }
    const applied = qty - 16;
    assert.ok(applied >= count(200), `${applied} applied, ${count(200)} answered 200`);
    assert.ok(applied <= count(200) + count(504),
      `${applied} applied but only ${count(200)} answered 200 and ${count(504)} unknown (${count(503)} said 503)`);
  });

  test('Redis down: fast 503s, health and readiness say so; back within 2 s', async () => {
    const id = newId();
    await redis.stop();
    try {
      for (const p of [`/cart/${id}`, `/add/${id}/RB-PEBBLE-5/1`, `/update/${id}/RB-PEBBLE-5/1`,
        `/rename/${id}/${newId()}`]) {
        const t0 = performance.now();
        const r = await call(cart, p);
        assert.deepEqual(r, { status: 503, body: { error: 'database not available' } }, p);
        assert.ok(performance.now() - t0 < 1500, `${p} took too long`);
      }
      const del = await call(cart, `/cart/${id}`, { method: 'DELETE' });
      assert.equal(del.status, 503);
      await sleep(300);
      assert.deepEqual((await call(cart, '/health')).body, { app: 'OK', redis: false });
      assert.equal((await call(cart, '/ready')).status, 503);
    } finally {
      await redis.start();
    }
    const t0 = Date.now();
    let status = 0;
    while (Date.now() - t0 < 2000 && status !== 200) {
      status = (await call(cart, `/add/${id}/RB-PEBBLE-5/1`)).status;
      if (status !== 200) await sleep(50);
    }
    assert.equal(status, 200, 'serving again within 2 s of Redis coming back');
    assert.equal((await call(cart, '/ready')).status, 200);
    assert.equal(cart.child.exitCode, null);
  });
});

describe('cart line limit', () => {
  let redis, catalogue, cart, dir;

  before(async () => {
    dir = tempDir();
    const many = Array.from({ length: 101 }, (_, i) => ({
      sku: `RB-MANY-${i}`, name: `Many ${i}`, description: `Test robot number ${i}.`,
      price: 1 + i / 100, instock: 5, categories: ['Test'],
    }));
    writeFileSync(path.join(dir, 'products.json'), JSON.stringify(many));
    redis = await startRedis();
    catalogue = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'c.db'), DATA_DIR: dir });
    cart = await startService('cart', { REDIS_URL: redis.url, CATALOGUE_URL: catalogue.url });
  });

  after(async () => {
    await cart?.stop();
    await catalogue?.stop();
    await redis?.destroy();
    removeDir(dir);
  });

  test('a cart holds at most 100 lines; more units of a line are still fine', async () => {
    const id = newId();
    for (let i = 0; i < 100; i++)
      assert.equal((await call(cart, `/add/${id}/RB-MANY-${i}/1`)).status, 200, `line ${i}`);
    assert.deepEqual(await call(cart, `/add/${id}/RB-MANY-100/1`),
      { status: 400, body: { error: 'a cart holds at most 100 lines' } });
    const r = await call(cart, `/add/${id}/RB-MANY-0/1`);
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 100);
    checkMoney(r.body);
  });
});
