// web.test.mjs - black-box tests of the web gateway: every /api/<service>/
// prefix reaches that service (the classic shop's misrouting bug, caught
// for good), requests and answers pass through whole, replicas are tried
// in turn, a dead one passed over and one dying under an idempotent request
// replaced by the other, end-to-end answer headers passed back and
// hop-by-hop ones not, a "come back later" held back a while, 502/504 when
// upstreams fail, calls to a slow service holding up no other, and the
// storefront's files: MIME types, ETag/304, gzip, caching, security
// headers, and no way out of the UI directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  binary, call, freePort, parseMetrics, rawRequest, removeDir, runToExit, startService, tempDir,
} from './lib/service.mjs';

const SERVICES = ['catalogue', 'user', 'cart', 'shipping', 'ratings', 'payment'];

// An upstream that answers with what it received, and says who it is.
async function startEcho(name) {
  const echo = { name, connections: 0, requests: 0 };
  echo.server = http.createServer((req, res) => {
    echo.requests++;
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      if (req.url.startsWith('/die') && name.endsWith('-2')) {
        req.socket.destroy();   // a second replica killed under the request
        return;
      }
      if (req.url.startsWith('/slow')) {
        setTimeout(() => res.end('late'), 3000);
        return;
      }
      if (req.url.startsWith('/answer/')) {   // /answer/<status>: with headers a gateway must sort
        const status = Number(req.url.split('/')[2].split('?')[0]);
        if (req.url.endsWith('?bare')) {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end('{"error":"out"}');
          return;
        }
        res.writeHead(status, [
          'content-type', 'application/json',
          'retry-after', '7',
          'location', '/orders/42?x=%2F',
          'cache-control', 'no-store',
          'etag', '"v3"',
          'last-modified', 'Tue, 01 Dec 2026 10:00:00 GMT',
          'vary', 'Accept',
          'vary', 'Accept-Language',
          'keep-alive', 'timeout=99',
          'upgrade', 'h2c',
          'proxy-authenticate', 'Basic',
          'x-internal-note', 'not for browsers',
          'set-cookie', 'session=upstream',
        ]);
        res.end('{"error":"busy"}');
        return;
      }
      if (req.url.startsWith('/teapot')) {
        res.writeHead(418, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('short and stout');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, body }));
    });
  });
  echo.server.on('connection', () => { echo.connections++; });
  echo.port = await freePort();
  await new Promise((resolve) => echo.server.listen(echo.port, '127.0.0.1', resolve));
  echo.url = `http://127.0.0.1:${echo.port}`;
  echo.close = () => new Promise((resolve) => {
    echo.server.closeAllConnections();
    echo.server.close(resolve);
  });
  return echo;
}

function makeUi(dir) {
  mkdirSync(path.join(dir, 'js'));
  mkdirSync(path.join(dir, 'images'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Robot Shop</title><h1>Robots</h1>\n');
  writeFileSync(path.join(dir, 'style.css'), 'body { margin: 0; }\n'.repeat(40));
  writeFileSync(path.join(dir, 'js', 'app.1a2b3c4d.js'), 'export const shop = "robots";\n'.repeat(40));
  writeFileSync(path.join(dir, 'images', 'placeholder.svg'), '<svg xmlns="http://www.w3.org/2000/svg"></svg>\n');
  writeFileSync(path.join(dir, 'images', 'robot.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  symlinkSync('/etc/passwd', path.join(dir, 'passwd'));
  writeFileSync(path.join(dir, '.hidden'), 'secret');
}

describe('web gateway', () => {
  const echoes = {};
  let web, dir, spare;

  before(async () => {
    dir = tempDir();
    makeUi(dir);
    for (const s of SERVICES) echoes[s] = await startEcho(s);
    spare = await startEcho('catalogue-2');
    const env = { UI_DIR: dir, CLIENT_TIMEOUT_MS: '1000' };
    for (const s of SERVICES) env[`${s.toUpperCase()}_URL`] = echoes[s].url;
    env.CATALOGUE_URL = `${echoes.catalogue.url},${spare.url}`;
    web = await startService('web', env);
  });

  after(async () => {
    await web?.stop();
    for (const e of [...Object.values(echoes), spare]) await e?.close();
    removeDir(dir);
  });

  test('every /api/<service>/ prefix reaches that service, prefix stripped', async () => {
    for (const s of SERVICES) {
      const r = await call(web, `/api/${s}/some/path/x1?q=a%20b&flag`);
      assert.equal(r.status, 200, s);
      assert.match(r.body.name, new RegExp(`^${s}`), `${s} went to ${r.body.name}`);
      assert.equal(r.body.url, '/some/path/x1?q=a%20b&flag', s);
    }
    assert.equal((await call(web, '/api/cart')).body.url, '/');
    assert.deepEqual(await call(web, '/api/dispatch/health'), { status: 404, body: { error: 'no such service' } });
  });

  test('internal routes are 404 from outside, however spelled; the rest passes', async () => {
    const blocked = [
      ['POST', '/api/user/order/stan'], ['POST', '/api/cart/shipping/abc'],
      ['GET', '/api/catalogue/metrics'], ['GET', '/api/user/ready'], ['GET', '/api/cart/health'],
      ['GET', '/api/ratings/_health'], ['GET', '/api/payment/metrics?x=1'],
      ['POST', '/api/user//order/stan'], ['POST', '/api/user/%6Frder/stan'], ['POST', '/api/user/order%2Fstan'],
      ['GET', '/api/shipping/metrics/'], ['POST', '/api/cart/./shipping/abc'],
    ];
    const before = Object.fromEntries(SERVICES.map((s) => [s, echoes[s].requests]));
    for (const [method, p] of blocked) {
      const r = await call(web, p, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      assert.ok(r.status === 404 || r.status === 400, `${method} ${p}: ${r.status}`);
      if (r.status === 404) assert.deepEqual(r.body, { error: 'not found' }, `${method} ${p}`);
    }
    for (const s of SERVICES) assert.equal(echoes[s].requests, before[s], `nothing reached ${s}`);
    for (const p of ['/api/user/orders', '/api/user/history/stan', '/api/cart/healthy', '/api/user/check/x'])
      assert.equal((await call(web, p)).status, 200, p);
  });

  test('GATEWAY_INTERNAL_ROUTES sets the list; a bad one stops it with exit code 2', async () => {
    const env = { UI_DIR: dir, GATEWAY_INTERNAL_ROUTES: 'catalogue/products, */secret' };
    for (const s of SERVICES) env[`${s.toUpperCase()}_URL`] = echoes[s].url;
    const w = await startService('web', env);
    try {
      assert.equal((await call(w, '/api/catalogue/products')).status, 404);
      assert.equal((await call(w, '/api/cart/secret/x')).status, 404);
      assert.equal((await call(w, '/api/catalogue/metrics')).status, 200, 'the list replaces the default');
    } finally {
      await w.stop();
    }
    for (const bad of ['nopath', '/x', 'user/']) {
      const r = await runToExit(binary('web'), { PATH: process.env.PATH, PORT: String(await freePort()),
        BIND: '127.0.0.1', UI_DIR: dir, GATEWAY_INTERNAL_ROUTES: bad });
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /GATEWAY_INTERNAL_ROUTES/);
    }
  });

  test('CONTENT_SECURITY_POLICY sets the policy of HTML answers; "off" sends none; a bad one is exit 2', async () => {
    const policy = "default-src 'self' https://cdn.example; script-src 'self' 'unsafe-inline' https://cdn.example";
    for (const [value, expected] of [[policy, policy], ['off', null]]) {
      const w = await startService('web', { UI_DIR: dir, CONTENT_SECURITY_POLICY: value });
      try {
        const html = await w.fetch('/');
        assert.equal(html.status, 200);
        assert.equal(html.headers.get('content-security-policy'), expected, value);
        assert.equal(html.headers.get('x-content-type-options'), 'nosniff', 'the other headers stay');
        const css = await w.fetch('/style.css');
        assert.equal(css.headers.get('content-security-policy'), null, 'HTML only');
      } finally {
        await w.stop();
      }
    }
    for (const bad of ["default-src 'self'\r\nSet-Cookie: a=b", "default-src 'self'\nX: y",
      "default-src 'self'\tx", 'default-src caf\u00e9.example', 'x'.repeat(4097)]) {
      const r = await runToExit(binary('web'), { PATH: process.env.PATH, PORT: String(await freePort()),
        BIND: '127.0.0.1', UI_DIR: dir, CONTENT_SECURITY_POLICY: bad });
      assert.equal(r.code, 2, `${JSON.stringify(bad.slice(0, 40))}: ${r.stderr}`);
      assert.match(r.stderr, /configuration error: CONTENT_SECURITY_POLICY/);
    }
  });

  test('method, body and headers pass through; X-Forwarded-For and traceparent added', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const r = await call(web, '/api/cart/deliver/abc', {
      method: 'POST',
      headers: {
        'content-type': 'application/json', authorization: 'Bearer t0ken', cookie: 'session=42',
        'x-forwarded-for': '203.0.113.7', traceparent: `00-${traceId}-b7ad6b7169203331-01`,
        'x-private': 'not passed',
      },
      body: '{"distance":1,"cost":2,"location":"Oslo"}',
    });
    assert.equal(r.body.method, 'POST');
    assert.equal(r.body.body, '{"distance":1,"cost":2,"location":"Oslo"}');
    assert.equal(r.body.headers['content-type'], 'application/json');
    assert.equal(r.body.headers.authorization, 'Bearer t0ken');
    assert.equal(r.body.headers.cookie, 'session=42');
    assert.equal(r.body.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.match(r.body.headers.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.equal(r.body.headers['x-private'], undefined);
    for (const method of ['PUT', 'DELETE']) {
      const m = await call(web, '/api/ratings/api/rate/RB-1/5', { method });
      assert.equal(m.body.method, method);
    }
  });

  test("the upstream's status, type and body come back as they were", async () => {
    const res = await web.fetch('/api/user/teapot');
    assert.equal(res.status, 418);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await res.text(), 'short and stout');
  });

  test("the upstream's end-to-end headers come back (Retry-After on 429 and 503); hop-by-hop ones do not", async () => {
    for (const status of [429, 503, 201]) {
      const res = await web.fetch(`/api/user/answer/${status}`);
      assert.equal(res.status, status);
      assert.equal(res.headers.get('retry-after'), '7');
      assert.equal(res.headers.get('location'), '/orders/42?x=%2F');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('etag'), '"v3"');
      assert.equal(res.headers.get('last-modified'), 'Tue, 01 Dec 2026 10:00:00 GMT');
      assert.equal(res.headers.get('vary'), 'Accept, Accept-Language');
      for (const name of ['keep-alive', 'upgrade', 'proxy-authenticate', 'x-internal-note', 'set-cookie'])
        assert.equal(res.headers.get(name), null, `${name} passed on`);
      assert.deepEqual(await res.json(), { error: 'busy' });
    }
    const plain = await web.fetch('/api/user/teapot');
    assert.equal(plain.headers.get('retry-after'), null, 'no header left from an earlier answer');
    await plain.text();
  });

  test('a 429 or a 503 with Retry-After is held, others pass meanwhile, the hold is not timed; a bare 503 is not held', async () => {
    const held = await startService('web', { USER_URL: echoes.user.url, GATEWAY_SLOW_DOWN_MS: '3000' });
    try {
      const before = echoes.user.requests;
      const settled = [];
      const answer = (url) => held.fetch(url).then(async (res) => {
        settled.push(url);
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
      });
      const limited = answer('/api/user/answer/429');
      const busy = answer('/api/user/answer/503');
      while (echoes.user.requests < before + 2) await new Promise((r) => setTimeout(r, 10));
      // The upstream has answered both; meanwhile the gateway answers
      // others, and a 503 without Retry-After (an outage) at once.
      assert.equal((await call(held, '/api/user/teapot')).status, 418);
      assert.deepEqual(await call(held, '/api/user/answer/503?bare'), { status: 503, body: { error: 'out' } });
      assert.deepEqual(settled, [], 'a held answer came back before the others');
      assert.deepEqual(await limited, { status: 429, retryAfter: '7', body: { error: 'busy' } });
      assert.deepEqual(await busy, { status: 503, retryAfter: '7', body: { error: 'busy' } });
      const metrics = parseMetrics(await (await held.fetch('/metrics')).text());
      const sum = metrics.find((m) => m.name === 'http_server_request_duration_seconds_sum' &&
        m.labels.route === '/api/:service/*' && m.labels.method === 'GET');
      assert.ok(sum && sum.value < 4, `the held answers' 2 × 3 s counted as latency: ${sum?.value}`);
    } finally {
      await held.stop();
    }
    for (const bad of ['-1', '10001', 'soon']) {
      const r = await runToExit(binary('web'), { PATH: process.env.PATH, PORT: String(await freePort()),
        BIND: '127.0.0.1', UI_DIR: dir, GATEWAY_SLOW_DOWN_MS: bad });
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /GATEWAY_SLOW_DOWN_MS/);
    }
  });

  test('upstream connections are kept alive and reused', async () => {
    const before = echoes.shipping.connections;
    for (let i = 0; i < 60; i++) await call(web, '/api/shipping/codes');
    assert.ok(echoes.shipping.connections - before <= 16,
      `${echoes.shipping.connections - before} connections for 60 requests`);
  });

  test('replicas are taken in turn', async () => {
    const names = new Set();
    for (let i = 0; i < 10; i++) names.add((await call(web, '/api/catalogue/products')).body.name);
    assert.deepEqual([...names].sort(), ['catalogue', 'catalogue-2']);
  });

  test('a replica dying under a request: an idempotent one goes to the other, a POST is 502', async () => {
    const reached = spare.requests;
    for (let i = 0; i < 10; i++) {
      const r = await call(web, `/api/catalogue/die/${i}`);
      assert.equal(r.status, 200, `GET ${i}`);
      assert.equal(r.body.name, 'catalogue');
    }
    assert.ok(spare.requests - reached >= 4, `the dying replica had ${spare.requests - reached} of the GETs`);
    const posts = [];
    for (let i = 0; i < 6; i++) posts.push((await call(web, `/api/catalogue/die/${i}`, { method: 'POST', body: '{}' })).status);
    assert.ok(posts.includes(502) && posts.every((s) => s === 200 || s === 502), `POST statuses ${posts}`);
  });

  test('a dead replica: idempotent requests go to the other, without errors', async () => {
    const port = spare.port;
    await spare.close();
    try {
      for (let i = 0; i < 20; i++) {
        const r = await call(web, `/api/catalogue/product/RB-${i}`);
        assert.equal(r.status, 200, `request ${i}`);
        assert.equal(r.body.name, 'catalogue');
      }
      const metrics = parseMetrics(await (await web.fetch('/metrics')).text());
      const answered = metrics.find((s) => s.name === 'gateway_upstream_requests_total' &&
        s.labels.service === 'catalogue' && s.labels.outcome === 'answered');
      assert.ok(answered.value >= 20);
    } finally {
      spare = await startEcho('catalogue-2');
      spare.server.close();
      await new Promise((resolve) => spare.server.listen(port, '127.0.0.1', resolve));
      spare.port = port;
    }
  });

  test('upstream refused everywhere: 502; too slow: 504; both JSON', async () => {
    const port = echoes.payment.port;
    await echoes.payment.close();
    try {
      assert.deepEqual(await call(web, '/api/payment/pay/x', { method: 'POST', body: '{}' }),
        { status: 502, body: { error: 'service unreachable' } });
    } finally {
      echoes.payment = await startEcho('payment');
      echoes.payment.server.close();
      await new Promise((resolve) => echoes.payment.server.listen(port, '127.0.0.1', resolve));
    }
    const t0 = performance.now();
    assert.deepEqual(await call(web, '/api/user/slow'), { status: 504, body: { error: 'service timed out' } });
    assert.ok(performance.now() - t0 < 2500);
  });

  test('a hundred calls waiting on a slow service hold up no other service', async () => {
    // Each /slow call waits the whole 1 s client timeout; none holds a thread.
    const slow = Array.from({ length: 100 }, () => call(web, '/api/ratings/slow'));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    const fast = await call(web, '/api/cart/cart/quick');
    const waited = performance.now() - t0;
    assert.equal(fast.status, 200);
    assert.ok(waited < 300, `the cart call took ${Math.round(waited)} ms behind the slow calls`);
    const answers = await Promise.all(slow);
    assert.ok(answers.every((a) => a.status === 504), 'every slow call timed out with 504');
  });

  test('/metrics labels API calls by route pattern and upstream', async () => {
    await (await web.fetch('/style.css')).text();
    const text = await (await web.fetch('/metrics')).text();
    const samples = parseMetrics(text);
    assert.ok(samples.some((s) => s.name === 'http_server_requests_total' && s.labels.route === '/api/:service/*'));
    assert.ok(samples.some((s) => s.name === 'http_server_requests_total' && s.labels.route === '/*'));
    assert.ok(samples.some((s) => s.name === 'http_client_request_duration_seconds_count' && s.labels.peer === 'cart'));
    assert.ok(!text.includes('/api/cart/deliver/abc'));
  });

  test('static files: MIME types, caching, security headers on HTML', async () => {
    const html = await web.fetch('/');
    assert.equal(html.status, 200);
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(html.headers.get('cache-control'), 'no-cache');
    assert.equal(html.headers.get('content-security-policy'),
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
      "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; " +
      "form-action 'self'; frame-ancestors 'none'", 'the strict policy by default');
    assert.equal(html.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(html.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
    assert.match(await html.text(), /<h1>Robots<\/h1>/);
    const js = await web.fetch('/js/app.1a2b3c4d.js');
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const css = await web.fetch('/style.css');
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(css.headers.get('cache-control'), 'public, max-age=300');
    assert.equal((await web.fetch('/images/robot.png')).headers.get('content-type'), 'image/png');
  });

  test('ETag and If-None-Match give 304', async () => {
    const first = await web.fetch('/style.css');
    const etag = first.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    const again = await web.fetch('/style.css', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
    assert.equal((await web.fetch('/style.css', { headers: { 'if-none-match': '"other"' } })).status, 200);
  });

  test('gzip for text when the client accepts it', async () => {
    const raw = await rawRequest(web.port,
      'GET /style.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\n');
    const [head, ...rest] = raw.split('\r\n\r\n');
    assert.match(head, /Content-Encoding: gzip/i);
    assert.match(head, /Vary: Accept-Encoding/i);
    const body = Buffer.from(rest.join('\r\n\r\n'), 'latin1');
    assert.equal(gunzipSync(body).toString(), 'body { margin: 0; }\n'.repeat(40));
    const plain = await rawRequest(web.port, 'GET /style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.doesNotMatch(plain, /Content-Encoding/i);
  });

  test('no path leads out of the UI directory', async () => {
    for (const target of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd',
      '/js/..%2f..%2f..%2fetc/passwd', '/passwd', '/.hidden', '/images/../../etc/passwd', '/%00']) {
      const raw = await rawRequest(web.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.match(raw, /^HTTP\/1\.1 (400|404) /, target);
      assert.doesNotMatch(raw, /root:|secret/, target);
    }
  });

  test('an unknown image falls back to the placeholder; other unknown paths are 404', async () => {
    const img = await web.fetch('/images/RB-UNKNOWN-1.svg');
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/svg+xml');
    assert.match(await img.text(), /<svg/);
    assert.deepEqual(await call(web, '/nowhere.html'), { status: 404, body: { error: 'not found' } });
  });
});
