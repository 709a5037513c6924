// catalogue.test.mjs - black-box tests of the catalogue service: the contract of
// docs/openapi/catalogue.yaml on both document-store backends, the runtime's behaviour at the
// edges (bad input, limits, metrics, tracing), store outages and shutdown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, binary, call, freePort, parseMetrics, rawRequest, removeDir, runToExit,
  sleep, startService, tempDir,
} from './lib/service.mjs';

const SEED = JSON.parse(readFileSync(path.join(ROOT, 'data/products.json'), 'utf8'));
const bySku = new Map(SEED.map((p) => [p.sku, p]));

const sortedByName = (list) => [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

// The catalogue contract (docs/openapi/catalogue.yaml), the same for every backend.
function contractTests(backend, start) {
  describe(`catalogue contract on ${backend}`, () => {
    let svc;
    before(async () => { svc = await start(); });
    after(async () => { await svc?.stop(); });

    test('GET /health says the store is connected', async () => {
      const r = await call(svc, '/health');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { app: 'OK', mongo: true });
    });

    test('GET /ready is 200 with the store check', async () => {
      const r = await call(svc, '/ready');
      assert.equal(r.status, 200);
      assert.equal(r.body.ready, true);
      assert.deepEqual(Object.values(r.body.checks), [true]);
    });

    test('GET /products returns every seeded product, exactly as seeded', async () => {
      const res = await svc.fetch('/products');
      const body = await res.json();
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^application\/json/);
      assert.equal(body.length, SEED.length);
      for (const p of body) assert.deepEqual(p, bySku.get(p.sku));
    });

    test('GET /product/:sku returns each product', async () => {
      for (const p of SEED) {
        const r = await call(svc, `/product/${p.sku}`);
        assert.equal(r.status, 200, p.sku);
        assert.deepEqual(r.body, p);
        assert.equal(typeof r.body.price, 'number');
        assert.equal(Number.isInteger(r.body.instock), true);
      }
    });

    test('GET /product/:sku of an unknown SKU is 404 SKU not found', async () => {
      const r = await call(svc, '/product/RB-NOSUCH-0');
      assert.equal(r.status, 404);
      assert.deepEqual(r.body, { error: 'SKU not found' });
    });

    test('GET /products/:cat returns that category sorted by name', async () => {
      const categories = [...new Set(SEED.flatMap((p) => p.categories))];
      for (const cat of categories) {
        const r = await call(svc, `/products/${cat}`);
        assert.equal(r.status, 200, cat);
        const expected = sortedByName(SEED.filter((p) => p.categories.includes(cat)));
        assert.deepEqual(r.body, expected, cat);
      }
    });

    test('GET /products/:cat of an unknown category is an empty list', async () => {
      const r = await call(svc, '/products/Spaceships');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, []);
    });

    test('GET /categories lists the distinct categories, sorted', async () => {
      const r = await call(svc, '/categories');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, [...new Set(SEED.flatMap((p) => p.categories))].sort());
    });

    test('GET /search/:text finds a word in the name', async () => {
      const r = await call(svc, '/search/Kettlewick');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.map((p) => p.sku), ['RB-TEAKETTLE-1']);
    });

    test('GET /search/:text matches any word, in name or description', async () => {
      const words = ['compost', 'octopus'];
      const r = await call(svc, `/search/${encodeURIComponent(words.join(' '))}`);
      assert.equal(r.status, 200);
      const expected = SEED.filter((p) => words.some((w) =>
        `${p.name} ${p.description}`.toLowerCase().split(/[^a-z0-9]+/).includes(w)));
      assert.ok(expected.length >= 2);
      assert.deepEqual(r.body.map((p) => p.sku).sort(), expected.map((p) => p.sku).sort());
      for (const p of r.body) assert.deepEqual(p, bySku.get(p.sku));
    });

    test('GET /search/:text with no match is an empty list', async () => {
      const r = await call(svc, '/search/xylophonequartz');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, []);
    });

    test('search text with quotes and operators is taken as words, not syntax', async () => {
      for (const text of ['"garden', 'garden OR', 'NEAR(', 'kettle*', "o'clock", 'AND']) {
        const r = await call(svc, `/search/${encodeURIComponent(text)}`);
        assert.ok([200, 400].includes(r.status), `${text}: ${r.status}`);
        assert.ok(Array.isArray(r.body) || typeof r.body.error === 'string', text);
      }
    });
  });
}

contractTests('SQLite', async () => {
  const dir = tempDir();
  const svc = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'catalogue.db') });
  const stop = svc.stop.bind(svc);
  svc.stop = async (sig) => { const e = await stop(sig); removeDir(dir); return e; };
  return svc;
});

if (process.env.MONGO_URL) {
  contractTests('MongoDB', () => startService('catalogue', { MONGO_URL: process.env.MONGO_URL }));
} else {
  console.log('skipped: MONGO_URL not set (catalogue contract on MongoDB)');
  test('catalogue contract on MongoDB', { skip: 'MONGO_URL not set' }, () => {});
}

describe('catalogue at the edges', () => {
  let svc, dir;
  before(async () => {
    dir = tempDir();
    svc = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'catalogue.db') });
  });
  after(async () => {
    await svc?.stop();
    removeDir(dir);
  });

  test('every answer carries the CORS and Timing headers', async () => {
    for (const p of ['/products', '/product/nope', '/nowhere']) {
      const res = await svc.fetch(p);
      await res.arrayBuffer();
      assert.equal(res.headers.get('access-control-allow-origin'), '*', p);
      assert.equal(res.headers.get('timing-allow-origin'), '*', p);
    }
  });

  test('a bad SKU is 400 before the store is asked', async () => {
    const bad = ['..%2Fx', 'a'.repeat(65), 'RB%00', 'a%2Fb', 'sp%20ace', '%C3%A9t%C3%A9', 'x%zz'];
    for (const sku of bad) {
      const r = await call(svc, `/product/${sku}`);
      assert.equal(r.status, 400, sku);
      assert.equal(typeof r.body.error, 'string', sku);
    }
    const r = await call(svc, '/product/..%2Fx');
    assert.deepEqual(r.body, { error: 'invalid sku' });
  });

  test('dot segments sent as they are (no client normalising) are 400', async () => {
    for (const target of ['/product/../x', '/product/./RB-PEBBLE-5', '/../../etc/passwd', '/product/%2E%2E']) {
      const raw = await rawRequest(svc.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.match(raw, /^HTTP\/1\.1 400 /, target);
    }
  });

  test('a 64-character SKU is valid (404, not 400)', async () => {
    const r = await call(svc, `/product/${'a'.repeat(64)}`);
    assert.equal(r.status, 404);
  });

  test('a bad category is 400', async () => {
    const r = await call(svc, '/products/a%2F..%2Fb');
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { error: 'invalid cat' });
  });

  test('search text may hold spaces and UTF-8 letters, not control bytes', async () => {
    assert.equal((await call(svc, '/search/caf%C3%A9%20robot')).status, 200);
    assert.equal((await call(svc, '/search/a%0Ab')).status, 400);
    assert.equal((await call(svc, '/search/%FF%FE')).status, 400);
    assert.equal((await call(svc, `/search/${'w'.repeat(65)}`)).status, 400);
  });

  test('a 70 KiB body is 413, with Content-Length or chunked', async () => {
    const body = 'x'.repeat(70 * 1024);
    const r = await call(svc, '/products', { method: 'POST', body });
    assert.equal(r.status, 413);
    assert.equal(typeof r.body.error, 'string');
    const chunked = await rawRequest(svc.port,
      'POST /products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
      `${(70 * 1024).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    assert.match(chunked, /^HTTP\/1\.1 413 /);
  });

  test('an unknown route is 404 JSON', async () => {
    const res = await svc.fetch('/no/such/route');
    const body = await res.json();
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.equal(typeof body.error, 'string');
  });

  test('a known route with the wrong method is 405 with Allow', async () => {
    const res = await svc.fetch('/products', { method: 'DELETE' });
    const body = await res.json();
    assert.equal(res.status, 405);
    assert.match(res.headers.get('allow'), /GET/);
    assert.equal(typeof body.error, 'string');
  });

  test('HEAD answers like GET without a body', async () => {
    const get = await svc.fetch('/product/RB-PEBBLE-5');
    const getBody = await get.text();
    const head = await svc.fetch('/product/RB-PEBBLE-5', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal(Number(head.headers.get('content-length')), Buffer.byteLength(getBody));
  });

  test('OPTIONS preflight is 204 with the allowed methods', async () => {
    const res = await svc.fetch('/products', { method: 'OPTIONS' });
    assert.equal(res.status, 204);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /GET/);
  });

  test('keep-alive: several requests on one connection', async () => {
    const req = 'GET /product/RB-PEBBLE-5 HTTP/1.1\r\nHost: x\r\n\r\n';
    const raw = await rawRequest(svc.port, req + req + req, { idleMs: 300 });
    assert.equal(raw.match(/HTTP\/1\.1 200 OK/g)?.length, 3);
    assert.doesNotMatch(raw, /Connection: close/i);
  });

  test('malformed requests are refused, the server keeps serving', async () => {
    const longUrl = await rawRequest(svc.port, `GET /${'a'.repeat(100000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(longUrl, /^HTTP\/1\.1 414 /);
    const garbage = await rawRequest(svc.port, 'GARBAGE\r\n\r\n');
    assert.ok(garbage === '' || /^HTTP\/1\.1 4\d\d /.test(garbage), garbage);
    const binary = await rawRequest(svc.port, Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]));
    assert.ok(binary === '' || /^HTTP\/1\.1 4\d\d /.test(binary), binary);
    assert.equal((await call(svc, '/health')).status, 200);
  });

  test('/metrics counts requests by route pattern, never the raw path', async () => {
    await (await svc.fetch('/product/RB-WELDA-4')).text();
    await (await svc.fetch('/product/RB-NOSUCH-9')).text();
    const res = await svc.fetch('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const samples = parseMetrics(text);
    const requests = samples.filter((s) => s.name === 'http_server_requests_total');
    const ok = requests.find((s) => s.labels.route === '/product/:sku' && s.labels.status === '200');
    const missing = requests.find((s) => s.labels.route === '/product/:sku' && s.labels.status === '404');
    assert.ok(ok && ok.value >= 1, 'a 200 on /product/:sku is counted');
    assert.ok(missing && missing.value >= 1, 'a 404 on /product/:sku is counted');
    assert.ok(!text.includes('RB-WELDA-4') && !text.includes('RB-NOSUCH-9'), 'no raw path in metrics');
    for (const name of ['http_server_request_duration_seconds_bucket', 'http_server_active_requests',
      'db_up', 'db_client_operation_duration_seconds_count', 'process_cpu_seconds_total',
      'process_resident_memory_bytes', 'process_open_fds', 'process_start_time_seconds'])
      assert.ok(samples.some((s) => s.name === name), name);
    assert.ok(samples.find((s) => s.name === 'process_resident_memory_bytes').value > 1e6);
  });

  test('/metrics times each store call under its own operation', async () => {
    for (const path of ['/products', '/product/RB-WELDA-4', '/products/Spaceships', '/categories',
      '/search/Kettlewick'])
      await (await svc.fetch(path)).text();
    const samples = parseMetrics(await (await svc.fetch('/metrics')).text());
    for (const operation of ['list', 'get', 'by_category', 'categories', 'search']) {
      const timed = samples.find((s) => s.name === 'db_client_operation_duration_seconds_count' &&
        s.labels.system === 'sqlite' && s.labels.operation === operation);
      assert.ok(timed && timed.value >= 1, `${operation} is timed`);
    }
  });

  test('the access log carries the trace id of an incoming traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await (await svc.fetch('/categories', {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    })).text();
    await sleep(50);
    const line = svc.logs.find((l) => l.trace_id === traceId);
    assert.ok(line, 'a log line with the trace id');
    assert.equal(line.route, '/categories');
    assert.equal(line.status, 200);
    assert.equal(line.method, 'GET');
    assert.equal(typeof line.duration_ms, 'number');
    assert.equal(line.service, 'catalogue');
  });
});

describe('catalogue configuration and lifecycle', () => {
  test('a bad setting stops the start with exit code 2 and a clear message', async () => {
    const dir = tempDir();
    try {
      for (const [name, value] of [['PORT', 'abc'], ['THREADS', '0'], ['GO_SLOW', '-5'], ['MONGO_URL', 'http://x']]) {
        const r = await runToExit(binary('catalogue'), {
          PATH: process.env.PATH, [name]: value, DOCSTORE_PATH: path.join(dir, 'c.db'),
        });
        assert.equal(r.code, 2, `${name}=${value}`);
        assert.match(r.stderr, new RegExp(name), `${name}=${value}`);
      }
    } finally {
      removeDir(dir);
    }
  });

  test('ACCESS_LOG=0 silences the per-request log', async () => {
    const dir = tempDir();
    const svc = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'c.db'), ACCESS_LOG: '0' });
    try {
      await (await svc.fetch('/products')).text();
      await sleep(50);
      assert.equal(svc.logs.filter((l) => l.route).length, 0);
      assert.ok(svc.logs.some((l) => /listening/.test(l.msg)));
    } finally {
      await svc.stop();
      removeDir(dir);
    }
  });

  test('a store that cannot be opened: fast 503s, no crash, recovery when it can', async () => {
    const dir = tempDir();
    const storeDir = path.join(dir, 'not-yet');
    const svc = await startService('catalogue', { DOCSTORE_PATH: path.join(storeDir, 'c.db') });
    try {
      const health = await call(svc, '/health');
      assert.deepEqual(health.body, { app: 'OK', mongo: false });
      const ready = await call(svc, '/ready');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.ready, false);
      for (const p of ['/products', '/product/RB-PEBBLE-5', '/products/Toys', '/categories', '/search/robot']) {
        const t0 = performance.now();
        const r = await call(svc, p);
        const ms = performance.now() - t0;
        assert.equal(r.status, 503, p);
        assert.deepEqual(r.body, { error: 'database not available' }, p);
        assert.ok(ms < 500, `${p} took ${ms.toFixed(0)} ms`);
      }
      mkdirSync(storeDir);
      const deadline = Date.now() + 10000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = (await call(svc, '/ready')).status;
        if (status !== 200) await sleep(100);
      }
      assert.equal(status, 200, 'ready again once the store can be opened');
      assert.equal((await call(svc, '/product/RB-PEBBLE-5')).status, 200);
      assert.equal(svc.child.exitCode, null);
    } finally {
      const e = await svc.stop();
      removeDir(dir);
      assert.equal(e.code, 0);
    }
  });

  test('SIGTERM during a stream of requests: in-flight ones complete, exit 0', async () => {
    const dir = tempDir();
    const svc = await startService('catalogue', {
      DOCSTORE_PATH: path.join(dir, 'c.db'), GO_SLOW: '600',
    });
    try {
      const inflight = [];
      for (let i = 0; i < 20; i++)
        inflight.push(svc.fetch('/product/RB-LANTERN-3').then(
          async (r) => ({ status: r.status, body: await r.json() }),
          (e) => ({ status: String(e.cause) })));
      await sleep(200);
      svc.child.kill('SIGTERM');
      await sleep(100);
      const ready = await svc.fetch('/ready').then((r) => r.status, () => 'refused');
      assert.ok(ready === 503 || ready === 'refused', `readiness while draining: ${ready}`);
      const results = await Promise.all(inflight);
      for (const r of results) {
        assert.equal(r.status, 200);
        assert.equal(r.body.sku, 'RB-LANTERN-3');
      }
      const exit = await svc.exited;
      assert.deepEqual(exit, { code: 0, signal: null });
      await assert.rejects(fetch(`${svc.url}/health`), 'no longer listening');
      assert.ok(svc.logs.some((l) => /stopped/.test(l.msg)));
    } finally {
      await svc.stop('SIGKILL');
      removeDir(dir);
    }
  });

  test('slow requests hold a worker each, never the other connections', async () => {
    const dir = tempDir();
    const svc = await startService('catalogue', {
      DOCSTORE_PATH: path.join(dir, 'c.db'), GO_SLOW: '1500', THREADS: '8',
    });
    try {
      const slow = [];
      for (let i = 0; i < 6; i++)
        slow.push(svc.fetch('/product/RB-SPROCKET-1').then((r) => r.status));
      await sleep(100);
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const r = await call(svc, '/categories', { headers: { connection: 'close' } });
        const ms = performance.now() - t0;
        assert.equal(r.status, 200);
        assert.ok(ms < 300, `a fast request waited ${ms.toFixed(0)} ms behind slow ones`);
      }
      assert.deepEqual(await Promise.all(slow), [200, 200, 200, 200, 200, 200]);
    } finally {
      await svc.stop();
      removeDir(dir);
    }
  });

  // Each thread that runs a handler opens its own SQLite connection (and the
  // main thread one, checking the file at start): on one event loop that is
  // one more open file, however many requests run at once.
  test('where handlers run follows the store: SQLite on the event loops, GO_SLOW on workers', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'c.db');
    for (const [env, where] of [[{}, 'the event loops'], [{ GO_SLOW: '1' }, 'the workers']]) {
      const svc = await startService('catalogue', { DOCSTORE_PATH: db, IO_THREADS: '1', THREADS: '8', ...env });
      try {
        const statuses = await Promise.all(Array.from({ length: 40 },
          () => svc.fetch('/product/RB-PEBBLE-5').then((r) => r.status)));
        assert.ok(statuses.every((st) => st === 200), String(statuses));
        const said = svc.logs.filter((l) => /^handlers run on /.test(l.msg)).map((l) => l.msg);
        assert.deepEqual(said, [`handlers run on ${where}`]);
        const fdDir = `/proc/${svc.child.pid}/fd`;
        const opened = readdirSync(fdDir).filter((fd) => {
          try { return readlinkSync(path.join(fdDir, fd)) === db; } catch { return false; }
        }).length;
        if (where === 'the event loops')
          assert.equal(opened, 2, "the start-up check's, then the one loop's");
        else
          assert.ok(opened >= 2 && opened <= 9, `${opened} connections for 8 workers`);
      } finally {
        await svc.stop();
      }
    }
    removeDir(dir);
  });

  test('a port already taken is an error at start, never shared', async () => {
    const dir = tempDir();
    const first = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'c.db') });
    try {
      const r = await runToExit(binary('catalogue'), {
        PATH: process.env.PATH, PORT: String(first.port), BIND: '127.0.0.1', DOCSTORE_PATH: path.join(dir, 'd.db'),
      });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /cannot listen/);
    } finally {
      await first.stop();
      removeDir(dir);
    }
  });

  test('the port is free again after a clean stop', async () => {
    const dir = tempDir();
    const port = await freePort();
    try {
      for (let round = 0; round < 2; round++) {
        const svc = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'c.db'), PORT: String(port) });
        assert.equal(svc.port, port);
        assert.equal((await call(svc, '/products')).body.length, SEED.length);
        assert.equal((await svc.stop()).code, 0);
      }
    } finally {
      removeDir(dir);
    }
  });
});
