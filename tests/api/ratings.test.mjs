// ratings.test.mjs - black-box tests of the ratings service against a real
// MariaDB and the real catalogue: every route, score clamping, SKU checks,
// 100 concurrent votes, and catalogue and database outages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { call, removeDir, sleep, startService, tempDir } from './lib/service.mjs';
import { startMariaDB } from './lib/mariadb.mjs';

const vote = (svc, sku, score) => call(svc, `/api/rate/${sku}/${score}`, { method: 'PUT' });

describe('ratings', () => {
  let db, catalogue, ratings, dir, mysqlUrl;

  before(async () => {
    dir = tempDir();
    db = await startMariaDB();
    mysqlUrl = db.createDatabase('ratings');
    catalogue = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'catalogue.db') });
    ratings = await startService('ratings', { MYSQL_URL: mysqlUrl, CATALOGUE_URL: catalogue.url });
  });

  after(async () => {
    await ratings?.stop();
    await catalogue?.stop();
    await db?.destroy();
    removeDir(dir);
  });

  test('GET /health and /_health report the database', async () => {
    for (const p of ['/health', '/_health'])
      assert.deepEqual(await call(ratings, p), { status: 200, body: { pdo_connectivity: true } });
    assert.equal((await call(ratings, '/ready')).status, 200);
  });

  test('an unrated SKU has no rating', async () => {
    assert.deepEqual(await call(ratings, '/api/fetch/RB-WELDA-4'),
      { status: 200, body: { avg_rating: 0, rating_count: 0 } });
  });

  test('votes add up to an average and a count', async () => {
    assert.deepEqual(await vote(ratings, 'RB-PEBBLE-5', 5), { status: 200, body: { success: true } });
    assert.deepEqual((await call(ratings, '/api/fetch/RB-PEBBLE-5')).body, { avg_rating: 5, rating_count: 1 });
    await vote(ratings, 'RB-PEBBLE-5', 4);
    await vote(ratings, 'RB-PEBBLE-5', 4);
    assert.deepEqual((await call(ratings, '/api/fetch/RB-PEBBLE-5')).body, { avg_rating: 4.33, rating_count: 3 });
  });

  test('scores are clamped to 1..5; a non-number is 400', async () => {
    await vote(ratings, 'RB-ZIGZAG-6', 9);
    assert.deepEqual((await call(ratings, '/api/fetch/RB-ZIGZAG-6')).body, { avg_rating: 5, rating_count: 1 });
    await vote(ratings, 'RB-ZIGZAG-6', 0);
    await vote(ratings, 'RB-ZIGZAG-6', -3);
    assert.deepEqual((await call(ratings, '/api/fetch/RB-ZIGZAG-6')).body, { avg_rating: 2.33, rating_count: 3 });
    for (const bad of ['abc', '2.5', '']) {
      const r = await call(ratings, `/api/rate/RB-ZIGZAG-6/${bad}`, { method: 'PUT' });
      assert.ok([400, 404].includes(r.status), bad);
    }
    assert.deepEqual((await vote(ratings, 'RB-ZIGZAG-6', 'abc')).body, { error: 'score must be a whole number' });
    assert.equal((await call(ratings, '/api/fetch/RB-ZIGZAG-6')).body.rating_count, 3);
  });

  test('a SKU the catalogue does not know is 404; a bad SKU 400', async () => {
    assert.deepEqual(await vote(ratings, 'RB-NOSUCH-1', 3),
      { status: 404, body: { error: 'RB-NOSUCH-1 not found' } });
    assert.equal((await vote(ratings, '..%2Fx', 3)).status, 400);
    assert.equal((await call(ratings, `/api/fetch/${'s'.repeat(65)}`)).status, 400);
    assert.equal((await call(ratings, '/api/rate/RB-PEBBLE-5/3')).status, 405, 'a vote is a PUT');
  });

  test('100 concurrent votes: count 100 and the exact average', async () => {
    const scores = Array.from({ length: 100 }, (_, i) => (i * 7) % 5 + 1);
    const results = await Promise.all(scores.map((s) => vote(ratings, 'RB-LANTERN-3', s)));
    assert.deepEqual(results.filter((r) => r.status !== 200), []);
    const expected = Math.round((scores.reduce((a, b) => a + b, 0) / 100) * 100) / 100;
    assert.deepEqual((await call(ratings, '/api/fetch/RB-LANTERN-3')).body,
      { avg_rating: expected, rating_count: 100 });
    const row = db.sql("SELECT avg_rating, rating_count, rating_sum FROM ratings.ratings WHERE sku = 'RB-LANTERN-3'");
    assert.equal(row.trim(), `${expected.toFixed(2)}\t100\t${scores.reduce((a, b) => a + b, 0)}`);
  });

  test('averages never drift: 1,2,2 then 2 more votes', async () => {
    for (const s of [1, 2, 2, 5, 5]) await vote(ratings, 'RB-GANTRY-9', s);
    assert.deepEqual((await call(ratings, '/api/fetch/RB-GANTRY-9')).body, { avg_rating: 3, rating_count: 5 });
  });

  test('catalogue down: votes are 503, fetches still work', async () => {
    const port = catalogue.port;
    await catalogue.stop();
    try {
      assert.deepEqual(await vote(ratings, 'RB-PEBBLE-5', 3),
        { status: 503, body: { error: 'catalogue not available' } });
      assert.equal((await call(ratings, '/api/fetch/RB-PEBBLE-5')).body.rating_count, 3);
    } finally {
      catalogue = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'catalogue.db'), PORT: String(port) });
    }
  });

  test('MariaDB hung (SIGSTOP): a 503 was not applied; a vote sent and not answered is 504 outcome unknown', async () => {
    const sku = 'RB-LANTERN-3';
    const votes = (n) => Promise.all(Array.from({ length: n }, () => vote(ratings, sku, 4)));
    await votes(16);   // every worker has its connection
    const before = (await call(ratings, `/api/fetch/${sku}`)).body.rating_count;
    db.freeze();
    const answers = [];
    try {
      for (const t0 = Date.now(); Date.now() - t0 < 4000;) answers.push(...await votes(8));
    } finally {
      db.thaw();
    }
    const count = (s) => answers.filter((r) => r.status === s).length;
    for (const r of answers.filter((a) => a.status === 504))
      assert.deepEqual(r.body, { error: 'outcome unknown' });
    assert.deepEqual(answers.filter((r) => ![200, 503, 504].includes(r.status)).map((r) => r.status), []);
    assert.ok(count(504) > 0, 'some votes were sent and not answered');
    let after;
    for (const t0 = Date.now(); Date.now() - t0 < 8000; await sleep(200)) {
      const r = await call(ratings, `/api/fetch/${sku}`);
      if (r.status === 200) { after = r.body.rating_count; break; }
    }
    const applied = after - before;
    assert.ok(applied >= count(200) && applied <= count(200) + count(504),
      `${applied} applied: ${count(200)} answered 200, ${count(504)} unknown, ${count(503)} said 503`);
  });

  test('MariaDB down: fast 503s and health says so; back by itself', async () => {
    await db.stop();
    try {
      await sleep(300);
      const t0 = performance.now();
      assert.deepEqual(await call(ratings, '/api/fetch/RB-PEBBLE-5'),
        { status: 503, body: { error: 'database not available' } });
      assert.equal((await vote(ratings, 'RB-PEBBLE-5', 3)).status, 503);
      assert.ok(performance.now() - t0 < 3000);
      assert.deepEqual(await call(ratings, '/health'), { status: 503, body: { pdo_connectivity: false } });
      assert.equal((await call(ratings, '/ready')).status, 503);
    } finally {
      await db.start();
    }
    const t0 = Date.now();
    let status = 0;
    while (Date.now() - t0 < 5000 && status !== 200) {
      status = (await call(ratings, '/api/fetch/RB-PEBBLE-5')).status;
      if (status !== 200) await sleep(100);
    }
    assert.equal(status, 200);
    assert.equal((await vote(ratings, 'RB-PEBBLE-5', 3)).status, 200);
    assert.equal((await call(ratings, '/api/fetch/RB-PEBBLE-5')).body.rating_count, 4);
  });
});

// Each replica keeps the ratings it has read for RATINGS_CACHE_MS
// (src/ratings/ratings_cache.h): two replicas on one database show what
// that means.
describe('ratings: the cache of each replica', () => {
  let db, catalogue, dir, mysqlUrl;
  const started = [];
  const ratingsWith = async (env) => {
    const svc = await startService('ratings', { MYSQL_URL: mysqlUrl, CATALOGUE_URL: catalogue.url, ...env });
    started.push(svc);
    return svc;
  };
  const count = async (svc, sku) => (await call(svc, `/api/fetch/${sku}`)).body.rating_count;
  // A change made behind the services' backs, straight in the table.
  const setCount = (sku, n) =>
    db.sql(`UPDATE ratings.ratings SET rating_count = ${n}, rating_sum = ${5 * n} WHERE sku = '${sku}'`);

  before(async () => {
    dir = tempDir();
    db = await startMariaDB();
    mysqlUrl = db.createDatabase('ratings');
    catalogue = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'catalogue.db') });
  });

  after(async () => {
    for (const svc of started) await svc.stop();
    await catalogue?.stop();
    await db?.destroy();
    removeDir(dir);
  });

  test('a replica answers from its cache until the entry expires; a vote on it reads afresh', async () => {
    const a = await ratingsWith({ RATINGS_CACHE_MS: '60000' });
    const b = await ratingsWith({ RATINGS_CACHE_MS: '60000' });
    await vote(a, 'RB-PEBBLE-5', 5);
    assert.equal(await count(a, 'RB-PEBBLE-5'), 1);
    assert.equal(await count(b, 'RB-PEBBLE-5'), 1);
    setCount('RB-PEBBLE-5', 7);
    assert.equal(await count(a, 'RB-PEBBLE-5'), 1, 'kept by a');
    assert.equal(await count(b, 'RB-PEBBLE-5'), 1, 'kept by b');
    await vote(a, 'RB-PEBBLE-5', 5);
    assert.equal(await count(a, 'RB-PEBBLE-5'), 8, 'the replica that took the vote reads afresh');
    assert.equal(await count(b, 'RB-PEBBLE-5'), 1, 'the other one keeps its entry until it expires');
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    assert.match(metrics, /ratings_cache_lookups_total\{outcome="hit"\} [1-9]/);
    assert.match(metrics, /ratings_cache_lookups_total\{outcome="miss"\} [1-9]/);
  });

  test('a short RATINGS_CACHE_MS: another replica sees a vote within it', async () => {
    const a = await ratingsWith({ RATINGS_CACHE_MS: '200' });
    const b = await ratingsWith({ RATINGS_CACHE_MS: '200' });
    const before = await count(b, 'RB-ZIGZAG-6');
    await vote(a, 'RB-ZIGZAG-6', 3);
    let seen = before;
    for (const t0 = Date.now(); seen === before && Date.now() - t0 < 5000; await sleep(50))
      seen = await count(b, 'RB-ZIGZAG-6');
    assert.equal(seen, before + 1);
  });

  test('RATINGS_CACHE_MS=0: every read goes to the database', async () => {
    const a = await ratingsWith({ RATINGS_CACHE_MS: '0' });
    await vote(a, 'RB-LANTERN-3', 4);
    assert.equal(await count(a, 'RB-LANTERN-3'), 1);
    setCount('RB-LANTERN-3', 9);
    assert.equal(await count(a, 'RB-LANTERN-3'), 9);
    assert.doesNotMatch(await (await fetch(`${a.url}/metrics`)).text(), /ratings_cache_lookups_total\{/);
  });

  test('a full cache still answers; past RATINGS_CACHE_MAX SKUs, reads go to the database', async () => {
    const a = await ratingsWith({ RATINGS_CACHE_MS: '60000', RATINGS_CACHE_MAX: '2' });
    await vote(a, 'RB-WELDA-4', 2);
    for (const sku of ['RB-PEBBLE-5', 'RB-ZIGZAG-6'])   // these two fill it
      assert.equal((await call(a, `/api/fetch/${sku}`)).status, 200);
    assert.equal(await count(a, 'RB-WELDA-4'), 1);
    setCount('RB-WELDA-4', 6);
    assert.equal(await count(a, 'RB-WELDA-4'), 6, 'no room: not kept');
    setCount('RB-PEBBLE-5', 3);
    assert.notEqual(await count(a, 'RB-PEBBLE-5'), 3, 'kept');
  });

  test('MariaDB down: what a replica keeps is still answered, the rest is a fast 503', async () => {
    const a = await ratingsWith({ RATINGS_CACHE_MS: '60000' });
    assert.equal((await call(a, '/api/fetch/RB-PEBBLE-5')).status, 200);
    await db.stop();
    try {
      assert.equal((await call(a, '/api/fetch/RB-PEBBLE-5')).status, 200);
      assert.deepEqual(await call(a, '/api/fetch/RB-WELDA-4'),
        { status: 503, body: { error: 'database not available' } });
      assert.equal((await vote(a, 'RB-PEBBLE-5', 3)).status, 503);
      assert.equal((await call(a, '/api/fetch/RB-PEBBLE-5')).status, 503, 'a vote drops the entry');
    } finally {
      await db.start();
    }
  });
});
