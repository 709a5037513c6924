// http.test.mjs - the HTTP/1.1 server every service runs on, at its edges:
// each malformed request is answered once, with the right status and a
// JSON body, and the connection closed (never a hang, never a second set
// of headers); a request whose headers trickle in is cut at its deadline;
// a query reaches the service behind the gateway exactly as it came.
// Checked on the gateway and on the catalogue (the runtime is theirs alike).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { call, freePort, removeDir, startService, tempDir } from './lib/service.mjs';

// Sends bytes, then collects the answer until the server closes the
// connection; fails when it does not close within `withinMs`.
function exchange(port, bytes, { withinMs = 3000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    const t0 = performance.now();
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no close within ${withinMs} ms; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
    }, withinMs);
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), ms: performance.now() - t0 });
    });
  });
}

// The status and JSON body of a raw answer that must hold one response.
function oneJsonAnswer(text) {
  const heads = text.match(/HTTP\/1\.[01] \d{3}/g) ?? [];
  assert.equal(heads.length, 1, `one response expected: ${JSON.stringify(text)}`);
  const [head, body] = text.split('\r\n\r\n');
  assert.match(head, /\r\nContent-Type: application\/json/i, head);
  const status = Number(head.slice(9, 12));
  return { status, body: JSON.parse(body) };
}

const MALFORMED = [
  ['a negative Content-Length', 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n', 400],
  ['a 20-digit Content-Length', 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n', 400],
  ['two different Content-Lengths', 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc', 400],
  ['Content-Length beside chunked', 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['a NUL in the target', 'GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a TAB in the path', 'GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a TAB in the query', 'GET /x?q=a\tb HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a DEL in the path', 'GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a 0x01 in the query', 'GET /x?q=a\x01b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a byte above 0x7f in the path', 'GET /a\xe9 HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a target not starting with /', 'GET x HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['Transfer-Encoding: gzip, chunked', 'POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501],
  ['Transfer-Encoding: gzip', 'POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
  ['a 16 KB request line', `GET /${'a'.repeat(16 * 1024)} HTTP/1.1\r\nHost: a\r\n\r\n`, 414],
  ['20 KB of headers', `GET / HTTP/1.1\r\nHost: a\r\n${'X-Pad: '.concat('p'.repeat(1000), '\r\n').repeat(20)}\r\n`, 431],
  ['100 headers', `GET / HTTP/1.1\r\nHost: a\r\n${'X-N: 1\r\n'.repeat(100)}\r\n`, 431],
  ['an unknown method', 'BREW /x HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['HTTP/2.0 in a request line', 'GET /x HTTP/2.0\r\nHost: a\r\n\r\n', 505],
  ['garbage', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', 400],
  ['an unknown Expect', 'POST /x HTTP/1.1\r\nHost: a\r\nExpect: tea\r\nContent-Length: 2\r\n\r\n{}', 417],
];

function malformedTests(name, start) {
  describe(`malformed requests to ${name}`, () => {
    let svc, dir;
    before(async () => { dir = tempDir(); svc = await start(dir); });
    after(async () => {
      await svc?.stop();
      closeEcho(dir);
      removeDir(dir);
    });

    for (const [what, bytes, status] of MALFORMED) {
      test(`${what}: ${status}, JSON, once, then closed`, async () => {
        const { text } = await exchange(svc.port, Buffer.from(bytes, 'latin1'));
        const answer = oneJsonAnswer(text);
        assert.equal(answer.status, status);
        assert.equal(typeof answer.body.error, 'string');
      });
    }

    test('headers that trickle in are cut at HEADER_TIMEOUT_S with 408', async () => {
      const sock = net.connect(svc.port, '127.0.0.1');
      const chunks = [];
      sock.on('data', (d) => chunks.push(d));
      sock.on('error', () => {});
      await new Promise((r) => sock.on('connect', r));
      const t0 = performance.now();
      sock.write('GET /health HTTP/1.1\r\nHost: a\r\n');
      const drip = setInterval(() => sock.write('X-Drip: 1\r\n'), 200);
      await new Promise((r) => sock.on('close', r));
      clearInterval(drip);
      const waited = performance.now() - t0;
      assert.ok(waited > 900 && waited < 2500, `closed after ${Math.round(waited)} ms`);
      assert.equal(oneJsonAnswer(Buffer.concat(chunks).toString('latin1')).status, 408);
    });

    test('a client that half-closes after its request still gets the answer', async () => {
      const sock = net.connect(svc.port, '127.0.0.1');
      const chunks = [];
      sock.on('data', (d) => chunks.push(d));
      sock.on('connect', () => sock.end('GET /health HTTP/1.1\r\nHost: a\r\n\r\n'));
      await new Promise((r) => sock.on('close', r));
      assert.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 200 /);
    });

    test('a good request after all that is answered', async () => {
      assert.equal((await call(svc, '/health')).status, 200);
    });
  });
}

const STRICT = { HEADER_TIMEOUT_S: '1' };

function closeEcho(dir) {
  const echo = echoes.get(dir);
  if (!echo) return;
  echo.server.closeAllConnections();
  echo.server.close();
  echoes.delete(dir);
}

async function startEcho() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url }));
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${port}` };
}

// Every echo started; each suite closes its own.
const echoes = new Map();
async function startWeb(dir) {
  const echo = await startEcho();
  echoes.set(dir, echo);
  const env = { ...STRICT, UI_DIR: dir };
  for (const s of ['CATALOGUE', 'USER', 'CART', 'SHIPPING', 'RATINGS', 'PAYMENT'])
    env[`${s}_URL`] = echo.url;
  return startService('web', env);
}

malformedTests('the gateway', startWeb);
malformedTests('the catalogue', (dir) =>
  startService('catalogue', { ...STRICT, DOCSTORE_PATH: `${dir}/catalogue.db` }));

describe('queries through the gateway', () => {
  let web, dir;
  before(async () => { dir = tempDir(); web = await startWeb(dir); });
  after(async () => {
    await web?.stop();
    closeEcho(dir);
    removeDir(dir);
  });

  test('a + and every character legal in a query reach the service as they came', async () => {
    const queries = [
      'q=robot+arm',
      "q=a-._~!$&'()*+,;=:@/?b",
      'q=%20%2B%2F%3F%23%25%00x&flag&=v&k=',
      'a[]=1&b={x}|y^`z\\',
    ];
    for (const q of queries) {
      const { text } = await exchange(web.port,
        `GET /api/catalogue/products?${q} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
      const answer = oneJsonAnswer(text);
      assert.equal(answer.status, 200, q);
      assert.equal(answer.body.url, `/products?${q}`);
    }
  });
});
