// shipping.test.mjs - black-box tests of the shipping service against a
// real MariaDB seeded from libgeonames, with the real cart (and Redis and
// catalogue) behind /confirm: every route, bad input, the fault knobs,
// and a database outage.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { call, parseMetrics, removeDir, sleep, startService, tempDir } from './lib/service.mjs';
import { startRedis } from './lib/redis.mjs';
import { startMariaDB } from './lib/mariadb.mjs';

// The distance the service must give, computed here independently.
function haversineKm(lat1, lon1, lat2, lon2) {
  const rad = (d) => (d * Math.PI) / 180;
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 +
    Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(a));
}

describe('shipping', () => {
  let db, redis, catalogue, cart, shipping, dir, mysqlUrl;

  before(async () => {
    dir = tempDir();
    db = await startMariaDB();
    mysqlUrl = db.createDatabase('cities');
    redis = await startRedis();
    catalogue = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'catalogue.db') });
    cart = await startService('cart', { REDIS_URL: redis.url, CATALOGUE_URL: catalogue.url });
    shipping = await startService('shipping', { MYSQL_URL: mysqlUrl, CART_URL: cart.url });
  });

  after(async () => {
    await shipping?.stop();
    await cart?.stop();
    await catalogue?.stop();
    await redis?.destroy();
    await db?.destroy();
    removeDir(dir);
  });

  test('GET /health is OK, /ready checks MariaDB', async () => {
    assert.deepEqual(await call(shipping, '/health'), { status: 200, body: 'OK' });
    const ready = await call(shipping, '/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { mysql: true });
  });

  test('the seed loaded the libgeonames cities and one code per country', async () => {
    const count = (await call(shipping, '/count')).body;
    assert.ok(count > 20000, `only ${count} cities`);
    assert.equal(Number(db.sql('SELECT COUNT(*) FROM cities.cities')), count);
    const codes = Number(db.sql('SELECT COUNT(*) FROM cities.codes'));
    assert.equal(codes, Number(db.sql('SELECT COUNT(DISTINCT code) FROM cities.cities')));
    assert.ok(codes > 200);
    assert.ok(shipping.logs.some((l) => /seeded \d+ cities/.test(l.msg)));
  });

  test('GET /codes: every country, sorted by name', async () => {
    const r = await call(shipping, '/codes');
    assert.equal(r.status, 200);
    const expected = db.sql('SELECT code FROM cities.codes ORDER BY name').trim().split('\n');
    assert.deepEqual(r.body.map((c) => c.code), expected);
    for (const c of r.body) {
      assert.equal(typeof c.uuid, 'number');
      assert.match(c.code, /^[A-Z]{2}$/);
      assert.equal(typeof c.name, 'string');
    }
    assert.ok(r.body.some((c) => c.code === 'GB' && c.name === 'United Kingdom'));
  });

  test('GET /cities/:code: the cities of one country', async () => {
    const r = await call(shipping, '/cities/AD');
    assert.equal(r.status, 200);
    assert.equal(r.body.length, Number(db.sql("SELECT COUNT(*) FROM cities.cities WHERE code = 'AD'")));
    for (const c of r.body) {
      assert.deepEqual(Object.keys(c).sort(), ['city', 'code', 'latitude', 'longitude', 'name', 'region', 'uuid']);
      assert.equal(c.code, 'AD');
      assert.equal(c.city, c.name.toLowerCase());
    }
    assert.deepEqual((await call(shipping, '/cities/XX')).body, []);
    assert.equal((await call(shipping, '/cities/..%2Fx')).status, 400);
  });

  test('GET /match/:code/:text: case-insensitive prefix, at most 10', async () => {
    const r = await call(shipping, '/match/GB/lon');
    assert.equal(r.status, 200);
    assert.ok(r.body.length > 0 && r.body.length <= 10);
    for (const c of r.body) {
      assert.equal(c.code, 'GB');
      assert.ok(c.name.toLowerCase().startsWith('lon'), c.name);
    }
    assert.ok(r.body.some((c) => c.name === 'London'));
    assert.deepEqual((await call(shipping, '/match/GB/LON')).body, r.body);
    assert.deepEqual((await call(shipping, '/match/FR/lon')).body.filter((c) => c.code !== 'FR'), []);
  });

  test('city lookups and prefix matches are index range scans', async () => {
    const plan = (sql) => db.sql(`EXPLAIN ${sql}`);
    assert.match(plan("SELECT * FROM cities.cities WHERE code = 'GB' ORDER BY name"), /\tby_code_city\t/);
    const match = plan("SELECT * FROM cities.cities WHERE code = 'GB' AND city LIKE 'lon%' ORDER BY name LIMIT 10");
    assert.match(match, /\trange\t/);
    assert.match(match, /\tby_code_city\t/);
  });

  test('GET /match: a UTF-8 prefix finds its city', async () => {
    const [code, name] = db.sql(
      "SELECT code, name FROM cities.cities WHERE name REGEXP '^[^ -~]' LIMIT 1").trim().split('\t');
    const prefix = [...name].slice(0, 3).join('');
    const r = await call(shipping, `/match/${code}/${encodeURIComponent(prefix)}`);
    assert.equal(r.status, 200);
    assert.ok(r.body.some((c) => c.name.startsWith(prefix)), `${prefix} in ${code}`);
  });

  test('GET /match: under 3 characters is 400; pattern characters are literal', async () => {
    assert.deepEqual(await call(shipping, '/match/GB/lo'),
      { status: 400, body: { error: 'text must be at least 3 characters' } });
    assert.deepEqual((await call(shipping, '/match/GB/lo_')).body, []);
    assert.equal((await call(shipping, '/match/GB/lo%25')).status, 400);
    assert.equal((await call(shipping, '/match/GB/a%00b')).status, 400);
    assert.equal((await call(shipping, `/match/GB/${"x'; DROP TABLE cities; --".replace(/ /g, '%20')}`)).status, 400);
    assert.ok((await call(shipping, '/count')).body > 20000);
  });

  test('GET /match: a country code that is not an id is 400, whatever its length', async () => {
    const bad = ['G%20B', 'x'.repeat(65), encodeURIComponent('😀'.repeat(64)), encodeURIComponent('é'.repeat(64))];
    for (const code of bad) {
      assert.deepEqual(await call(shipping, `/match/${code}/lon`), { status: 400, body: { error: 'invalid code' } }, code);
    }
    assert.equal((await call(shipping, '/health')).status, 200);
  });

  test('GET /calc/:uuid: haversine distance from the warehouse and its cost', async () => {
    const london = (await call(shipping, '/match/GB/london')).body.find((c) => c.name === 'London');
    const r = await call(shipping, `/calc/${london.uuid}`);
    assert.equal(r.status, 200);
    const km = Math.round(haversineKm(51.164896, 7.068792, london.latitude, london.longitude));
    assert.deepEqual(r.body, { distance: km, cost: Math.round(km * 5) / 100 });
    assert.ok(km > 480 && km < 520, `${km} km to London`);
    const far = (await call(shipping, '/match/AU/sydney')).body.find((c) => c.name === 'Sydney');
    const f = (await call(shipping, `/calc/${far.uuid}`)).body;
    assert.equal(f.distance, Math.round(haversineKm(51.164896, 7.068792, far.latitude, far.longitude)));
  });

  test('GET /calc/:uuid refuses unknown and malformed ids', async () => {
    assert.deepEqual(await call(shipping, '/calc/99999999'), { status: 404, body: { error: 'city not found' } });
    for (const bad of ['abc', '0', '-4', '1.5', '99999999999']) {
      const r = await call(shipping, `/calc/${bad}`);
      assert.equal(r.status, 400, bad);
    }
  });

  test('POST /confirm/:id puts the shipping line into the cart', async () => {
    const id = `ship-${process.pid}`;
    assert.equal((await call(cart, `/add/${id}/RB-PEBBLE-5/1`)).status, 200);
    const body = JSON.stringify({ distance: 501, cost: 25.05, location: 'London, United Kingdom' });
    const r = await call(shipping, `/confirm/${id}`, {
      method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body,
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.at(-1),
      { qty: 1, sku: 'SHIP', name: 'shipping to London, United Kingdom', price: 25.05, subtotal: 25.05 });
    assert.deepEqual((await call(cart, `/cart/${id}`)).body, r.body);
  });

  test('POST /confirm/:id: 415 unless JSON, 400 malformed, 404 unknown cart', async () => {
    const body = JSON.stringify({ distance: 1, cost: 1, location: 'X' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp']) {
      const r = await call(shipping, '/confirm/anyone', { method: 'POST', headers: { 'content-type': type }, body });
      assert.equal(r.status, 415, type);
    }
    const json = { 'content-type': 'application/json' };
    assert.equal((await call(shipping, '/confirm/anyone', { method: 'POST', headers: json, body: '{"a":' })).status, 400);
    assert.deepEqual(await call(shipping, '/confirm/nosuchcart', { method: 'POST', headers: json, body }),
      { status: 404, body: { error: 'cart not found' } });
    const id = `ship-bad-${process.pid}`;
    await call(cart, `/add/${id}/RB-PEBBLE-5/1`);
    assert.deepEqual(await call(shipping, `/confirm/${id}`, { method: 'POST', headers: json, body: '{"cost":1}' }),
      { status: 400, body: { error: 'shipping data missing' } });
  });

  test('POST /confirm/:id with the cart down is a fast 503', async () => {
    const port = cart.port;
    await cart.stop();
    try {
      const t0 = performance.now();
      const r = await call(shipping, '/confirm/x', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"distance":1,"cost":1,"location":"X"}',
      });
      assert.deepEqual(r, { status: 503, body: { error: 'cart not available' } });
      assert.ok(performance.now() - t0 < 3000);
    } finally {
      cart = await startService('cart', { REDIS_URL: redis.url, CATALOGUE_URL: catalogue.url, PORT: String(port) });
    }
  });

  test('the fault knobs exist only with FAULT_INJECTION=1', async () => {
    assert.equal((await call(shipping, '/memory')).status, 404);
    const faulty = await startService('shipping', { MYSQL_URL: mysqlUrl, CART_URL: cart.url, FAULT_INJECTION: '1' });
    try {
      const rss = async () => parseMetrics(await (await faulty.fetch('/metrics')).text())
        .find((s) => s.name === 'process_resident_memory_bytes').value;
      const before = await rss();
      assert.deepEqual((await call(faulty, '/memory')).body, { blocks: 1 });
      assert.deepEqual((await call(faulty, '/memory')).body, { blocks: 2 });
      assert.ok(await rss() - before >= 45 * 1024 * 1024, 'RSS grew by the blocks held');
      assert.deepEqual((await call(faulty, '/free')).body, { blocks: 0 });
      assert.equal(faulty.logs.filter((l) => /seeded/.test(l.msg)).length, 0, 'seeded once only');
    } finally {
      await faulty.stop();
    }
  });

  test('MariaDB down: fast 503s, not ready; back by itself', async () => {
    await db.stop();
    try {
      await sleep(300);
      for (const p of ['/count', '/codes', '/cities/GB', '/match/GB/lon', '/calc/1']) {
        const t0 = performance.now();
        const r = await call(shipping, p);
        assert.deepEqual(r, { status: 503, body: { error: 'database not available' } }, p);
        assert.ok(performance.now() - t0 < 2500, `${p} took too long`);
      }
      assert.equal((await call(shipping, '/ready')).status, 503);
      assert.deepEqual(await call(shipping, '/health'), { status: 200, body: 'OK' });
    } finally {
      await db.start();
    }
    const t0 = Date.now();
    let status = 0;
    while (Date.now() - t0 < 5000 && status !== 200) {
      status = (await call(shipping, '/count')).status;
      if (status !== 200) await sleep(100);
    }
    assert.equal(status, 200, 'serving again once MariaDB is back');
    assert.equal((await call(shipping, '/ready')).status, 200);
    assert.equal(shipping.child.exitCode, null);
  });
});
