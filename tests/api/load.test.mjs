// load.test.mjs - black-box tests of rs-load, the shop's load generator,
// against small fake HTTP servers written here (node:http, keep-alive on):
// every request counted, kept-alive connections, named errors (status,
// dropped and reset connections, timeouts, refused connects), Connection:
// close and idle connections closed by the server, the open model's rate,
// its timing from the schedule (no coordinated omission) and its dropped
// journeys, SIGINT, thresholds and exit codes, the HTML report, stages,
// browse and login checks, a rate ramped from 0, a timeline that adds up to the
// totals and starts at "started" (to the millisecond), and a prompt end on
// SIGINT. Each run is short (1-2 s) and writes --json.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { runRsLoad } from './lib/rsload.mjs';
import { freePort, removeDir, tempDir } from './lib/service.mjs';
const dir = tempDir('rs-load-test-');
let runs = 0;

// Runs rs-load with --quiet and --json (unless json: false) to its end.
function rsLoad(args, { json = true, timeoutMs = 30000, onStart } = {}) {
  const file = path.join(dir, `run-${++runs}.json`);
  const argv = json ? ['--quiet', '--json', file, ...args] : args;
  return runRsLoad(argv, { jsonFile: json ? file : undefined, timeoutMs, onStart });
}

// rs-load must have run and exited with `code`; says why not otherwise.
function exited(r, code = 0) {
  assert.equal(r.code, code, `exit ${r.code} (signal ${r.signal}), stderr: ${r.stderr}`);
}

// A fake server: handler(req, res, srv) answers; srv counts requests,
// connections and requests per connection, and remembers what it saw.
function startFake(handler) {
  const srv = { requests: 0, connections: 0, perSocket: new Map(), seen: [] };
  const server = http.createServer((req, res) => {
    srv.requests++;
    srv.perSocket.set(req.socket, (srv.perSocket.get(req.socket) ?? 0) + 1);
    if (srv.seen.length < 50) srv.seen.push({ method: req.method, url: req.url, headers: req.headers });
    handler(req, res, srv);
  });
  server.keepAliveTimeout = 60000;
  server.on('connection', () => { srv.connections++; });
  srv.server = server;
  srv.maxPerSocket = () => Math.max(0, ...srv.perSocket.values());
  srv.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    srv.port = server.address().port;
    srv.url = `http://127.0.0.1:${srv.port}`;
    resolve(srv);
  }));
}

const ok = (res, body = 'ok', type = 'text/plain') => {
  res.writeHead(200, { 'content-type': type });
  res.end(body);
};
const json = (res, value, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof value === 'string' ? value : JSON.stringify(value));
};

const errorNames = (doc) => doc.errors.map((e) => e.error);
// Journeys were played, and every one of them passed every check.
function everyJourneyPassed(doc) {
  assert.deepEqual(doc.errors, []);
  assert.ok(doc.journeys.count > 0);
  assert.equal(doc.journeys.failed, 0);
}
const stepNamed = (doc, name) => doc.steps.find((s) => s.name === name);

describe('rs-load', { concurrency: false }, () => {
  const servers = [];
  const fake = async (handler) => {
    const srv = await startFake(handler);
    servers.push(srv);
    return srv;
  };

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    removeDir(dir);
  });

  test('-s get counts every request, on one kept-alive connection per VU', async () => {
    const srv = await fake((req, res) => ok(res, 'hello'));
    const VUS = 4;
    const r = await rsLoad(['-s', 'get', '-u', String(VUS), '-d', '1s', `${srv.url}/hello?x=1`]);
    exited(r);
    const { doc } = r;
    assert.equal(doc.tool, 'rs-load');
    assert.equal(doc.scenario, 'get');
    assert.equal(doc.path, '/hello?x=1');
    assert.equal(doc.model, 'closed');
    assert.equal(doc.vus, VUS);
    assert.equal(doc.target, srv.url);
    assert.ok(doc.duration_s >= 0.9 && doc.duration_s <= 1.5, `duration ${doc.duration_s}`);
    const n = doc.totals.requests;
    assert.ok(n > 50, `only ${n} requests in a second`);
    assert.equal(doc.totals.errors, 0);
    assert.deepEqual(doc.errors, []);
    // requests still in flight when the time is up are not counted
    assert.ok(srv.requests >= n, `server saw ${srv.requests}, rs-load counted ${n}`);
    assert.ok(srv.requests - n <= VUS, `server saw ${srv.requests}, rs-load counted ${n}`);
    // a get journey is one request
    assert.equal(doc.journeys.count, n);
    assert.equal(doc.journeys.failed, 0);
    assert.deepEqual(doc.steps.map((s) => [s.name, s.count, s.errors]), [['GET /hello?x=1', n, 0]]);
    const lat = doc.totals.latency_us;
    assert.ok(lat.min > 0 && lat.min <= lat.p50 && lat.p50 <= lat.p90 && lat.p90 <= lat.p95 &&
      lat.p95 <= lat.p99 && lat.p99 <= lat.max, JSON.stringify(lat));
    // kept alive: at most one connection per VU, each carrying many requests
    assert.ok(srv.connections >= 1 && srv.connections <= VUS, `${srv.connections} connections`);
    assert.ok(srv.maxPerSocket() > 10);
    // what was sent
    const first = srv.seen[0];
    assert.equal(first.method, 'GET');
    assert.equal(first.url, '/hello?x=1');
    assert.equal(first.headers.host, `127.0.0.1:${srv.port}`);
    assert.equal(first.headers['user-agent'], 'rs-load');
    // the timeline covers the run, one entry a second
    assert.equal(doc.timeline.length, 1);
    assert.equal(doc.timeline[0].t, 1);
    assert.ok(doc.timeline[0].requests > 0);
    assert.ok(doc.timeline[0].active >= 1 && doc.timeline[0].active <= VUS);
    // the summary is printed even with --quiet
    assert.match(r.stdout, /GET \/hello\?x=1/);
    assert.equal(r.stderr, '');
  });

  test('an answer of status 500 is the error "status 500" of its step', async () => {
    const srv = await fake((req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('broken');
    });
    const r = await rsLoad(['-s', 'get', '-u', '2', '-d', '1s', '--think', '10ms', `${srv.url}/path`]);
    exited(r);   // errors alone do not change the exit code
    const { doc } = r;
    assert.ok(doc.totals.requests > 0);
    assert.equal(doc.totals.errors, doc.totals.requests);
    assert.equal(doc.totals.error_rate, 1);
    assert.deepEqual(doc.errors, [{ step: 'GET /path', error: 'status 500', count: doc.totals.requests }]);
    assert.equal(doc.journeys.failed, doc.journeys.count);
    assert.equal(stepNamed(doc, 'GET /path').errors, doc.totals.requests);
    assert.match(r.stdout, /status 500/);
  });

  test('a connection closed without an answer is "connection closed" or "connection reset"', async () => {
    const srv = await fake((req) => req.socket.destroy());
    const r = await rsLoad(['-s', 'get', '-u', '2', '-d', '1s', '--think', '10ms', `${srv.url}/drop`]);
    exited(r);
    const { doc } = r;
    assert.ok(doc.totals.errors > 0);
    assert.equal(doc.totals.errors, doc.totals.requests);
    for (const e of doc.errors) {
      assert.equal(e.step, 'GET /drop');
      assert.match(e.error, /^connection (closed|reset)$/);
    }
    assert.ok(srv.requests >= doc.totals.requests);
  });

  test('a connection reset by the server is "connection reset"', async () => {
    const srv = await fake((req) => req.socket.resetAndDestroy());
    const r = await rsLoad(['-s', 'get', '-u', '2', '-d', '1s', '--think', '10ms', `${srv.url}/reset`]);
    exited(r);
    const { doc } = r;
    assert.ok(doc.totals.errors > 0);
    assert.equal(doc.totals.errors, doc.totals.requests);
    assert.deepEqual([...new Set(errorNames(doc))], ['connection reset']);
  });

  test('a server that never answers gives "timeout" after --timeout', async () => {
    const srv = await fake(() => {});   // keeps every request waiting
    const r = await rsLoad(['-s', 'get', '-u', '2', '-d', '1500ms', '--timeout', '300ms', `${srv.url}/slow`]);
    exited(r);
    const { doc } = r;
    assert.deepEqual([...new Set(errorNames(doc))], ['timeout']);
    assert.ok(doc.totals.errors >= 2, `${doc.totals.errors} timeouts`);
    assert.equal(doc.totals.errors, doc.totals.requests);
    // timed out after 300 ms, not long after (timeouts are checked every 100 ms)
    const lat = doc.totals.latency_us;
    assert.ok(lat.min >= 300000, `min ${lat.min}`);
    assert.ok(lat.max < 1000000, `max ${lat.max}`);
    // each timeout gave up its connection: a new one for the next request
    assert.ok(srv.connections >= doc.totals.requests);
  });

  test('a port nobody listens on gives a "connect:" error', async () => {
    const port = await freePort();
    const r = await rsLoad(['-s', 'get', '-u', '1', '-d', '1s', '--think', '10ms', `http://127.0.0.1:${port}/`]);
    exited(r);
    const { doc } = r;
    assert.ok(doc.totals.errors > 0);
    assert.equal(doc.totals.errors, doc.totals.requests);
    assert.equal(doc.errors.length, 1);
    assert.match(doc.errors[0].error, /^connect: /);
    assert.match(doc.errors[0].error, /refused/i);
    assert.equal(doc.errors[0].step, 'GET /');
  });

  test('answers with Connection: close work, one connection each', async () => {
    const srv = await fake((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
      res.end('bye');
    });
    const VUS = 3;
    const r = await rsLoad(['-s', 'get', '-u', String(VUS), '-d', '1s', `${srv.url}/once`]);
    exited(r);
    const { doc } = r;
    assert.equal(doc.totals.errors, 0, JSON.stringify(doc.errors));
    assert.ok(doc.totals.requests > 10, `${doc.totals.requests} requests`);
    assert.ok(srv.requests >= doc.totals.requests && srv.requests - doc.totals.requests <= VUS);
    assert.equal(srv.maxPerSocket(), 1);   // never sent twice on a closed connection
    assert.ok(srv.connections >= srv.requests, `${srv.connections} connections, ${srv.requests} requests`);
  });

  test('a server closing idle kept-alive connections causes no error', async () => {
    // The server closes each connection 1-40 ms after its last answer; the
    // VUs think 0-40 ms, so many requests find their connection closed,
    // some just as they are sent (those are sent again on a new one).
    const srv = await fake((req, res) => {
      const sock = req.socket;
      clearTimeout(sock.idleClose);
      res.on('finish', () => { sock.idleClose = setTimeout(() => sock.destroy(), 1 + Math.random() * 39); });
      ok(res);
    });
    const VUS = 4;
    const r = await rsLoad(['-s', 'get', '-u', String(VUS), '--think', '0..40ms', '-d', '2s', `${srv.url}/`]);
    exited(r);
    const { doc } = r;
    assert.equal(doc.totals.errors, 0, JSON.stringify(doc.errors));
    assert.ok(doc.totals.requests >= 50, `${doc.totals.requests} requests`);
    assert.ok(srv.connections > 10 * VUS, `only ${srv.connections} connections: few were closed`);
    assert.ok(srv.maxPerSocket() > 1, 'no connection was kept alive');
    assert.ok(srv.requests >= doc.totals.requests && srv.requests - doc.totals.requests <= VUS);
  });

  test('the open model starts --rate journeys a second, whatever the VUs', async () => {
    const srv = await fake((req, res) => ok(res));
    const r = await rsLoad(['-s', 'get', '--rate', '200', '-d', '2s', `${srv.url}/`]);
    exited(r);
    const { doc } = r;
    assert.equal(doc.model, 'open');
    assert.equal(doc.rate, 200);
    assert.equal(doc.vus, 0);
    assert.equal(doc.totals.errors, 0);
    assert.equal(doc.journeys.dropped, 0);
    const n = doc.journeys.count;
    assert.ok(n >= 360 && n <= 440, `${n} journeys, want 400 ± 10%`);
    assert.ok(srv.requests >= 360 && srv.requests <= 440, `server saw ${srv.requests}`);
    // each second had its share
    assert.equal(doc.timeline.length, 2);
    for (const s of doc.timeline)
      assert.ok(s.requests >= 120 && s.requests <= 280, JSON.stringify(doc.timeline));
  });

  test('the open model keeps its schedule through a server stall, and the stall shows in the latency', async () => {
    // Every answer asked for in the first second waits 500 ms; arrivals
    // keep coming on schedule meanwhile, on new connections.
    let first = 0;
    const srv = await fake((req, res) => {
      const now = Date.now();
      if (!first) first = now;
      if (now - first < 1000) setTimeout(() => ok(res), 500);
      else ok(res);
    });
    const r = await rsLoad(['-s', 'get', '--rate', '200', '-d', '2s', `${srv.url}/`]);
    exited(r);
    const { doc } = r;
    assert.equal(doc.totals.errors, 0);
    assert.equal(doc.journeys.dropped, 0);
    // the arrivals were not held back by the stall
    assert.ok(doc.journeys.count >= 360, `${doc.journeys.count} journeys`);
    assert.ok(srv.requests >= 360, `server saw ${srv.requests}`);
    // about half of the requests waited: p90 and p99 are the stall's
    const lat = doc.totals.latency_us;
    assert.ok(lat.p99 >= 400000, `p99 ${lat.p99}`);
    assert.ok(lat.p90 >= 400000, `p90 ${lat.p90}`);
    // the stall's requests overlapped: many journeys in flight at once
    assert.ok(Math.max(...doc.timeline.map((s) => s.active)) >= 20, JSON.stringify(doc.timeline));
    assert.ok(srv.connections >= 20, `${srv.connections} connections`);
  });

  test('the open model times a late journey from when it was due (no coordinated omission)', async () => {
    // rs-load itself is stopped for 500 ms: the journeys due meanwhile start
    // late, all at once, and their latency counts from their due time.
    const srv = await fake((req, res) => ok(res));
    const r = await rsLoad(['-s', 'get', '--rate', '200', '-d', '2s', `${srv.url}/`], {
      onStart: (child) => setTimeout(() => {
        child.kill('SIGSTOP');
        setTimeout(() => child.kill('SIGCONT'), 500);
      }, 700),
    });
    exited(r);
    const { doc } = r;
    assert.equal(doc.totals.errors, 0);
    // the late journeys were started, not skipped
    assert.ok(doc.journeys.count >= 360 && doc.journeys.count <= 440, `${doc.journeys.count} journeys`);
    // a quarter of them waited up to 500 ms: the p99 shows it, the p50 not
    const lat = doc.totals.latency_us;
    assert.ok(lat.p99 >= 400000, `p99 ${lat.p99}`);
    assert.ok(lat.p50 < 200000, `p50 ${lat.p50}`);
  });

  test('the open model drops the journeys past --max-vus, and counts them', async () => {
    let inFlight = 0, most = 0;
    const srv = await fake((req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => { inFlight--; ok(res); }, 500);
    });
    const r = await rsLoad(['-s', 'get', '--rate', '100', '--max-vus', '2', '-t', '2', '-d', '1s', `${srv.url}/`]);
    exited(r);
    const { doc } = r;
    assert.ok(most <= 2, `${most} requests in flight at once`);
    assert.ok(doc.journeys.dropped >= 50, `${doc.journeys.dropped} dropped`);
    const due = doc.journeys.count + doc.journeys.dropped + most;
    assert.ok(due >= 85 && due <= 115, `${due} journeys due, want about 100`);
    assert.equal(doc.totals.errors, 0);
    assert.match(r.stdout, /dropped/);
  });

  test('SIGINT stops the run early, and the report is still written', async () => {
    const srv = await fake((req, res) => ok(res));
    const r = await rsLoad(['-s', 'get', '-u', '2', '-d', '30s', `${srv.url}/`], {
      onStart: (child) => setTimeout(() => child.kill('SIGINT'), 1000),
    });
    exited(r);
    assert.ok(r.ms < 5000, `ran ${r.ms} ms after a SIGINT at 1 s`);
    const { doc } = r;
    assert.ok(doc.totals.requests > 0);
    assert.equal(doc.totals.errors, 0);
    assert.ok(doc.duration_s >= 0.9 && doc.duration_s < 5, `duration ${doc.duration_s}`);
    assert.ok(doc.timeline.length <= 5, `${doc.timeline.length} seconds`);
  });

  test('thresholds that hold exit 0 and are reported as passed', async () => {
    const srv = await fake((req, res) => ok(res));
    const r = await rsLoad(['-s', 'get', '-u', '2', '-d', '1s', '--threshold', 'errors<1%,p99<10s,rps>1,max<=1m',
      `${srv.url}/`]);
    exited(r, 0);
    const { doc } = r;
    assert.equal(doc.passed, true);
    assert.deepEqual(doc.thresholds.map((t) => [t.expr, t.ok]),
      [['errors<1%', true], ['p99<10s', true], ['rps>1', true], ['max<=1m', true]]);
    assert.equal(doc.thresholds[0].actual, '0.00%');
    assert.match(r.stdout, /✓ passed/);
    assert.doesNotMatch(r.stdout, /✗/);
  });

  test('a threshold missed exits 99, with "passed": false and a ✗', async () => {
    const srv = await fake((req, res) => ok(res));
    const r = await rsLoad(['-s', 'get', '-u', '2', '-d', '1s', '--threshold', 'p99<1us,errors<1%', `${srv.url}/`]);
    exited(r, 99);
    const { doc } = r;   // the reports are still written
    assert.equal(doc.passed, false);
    assert.deepEqual(doc.thresholds.map((t) => [t.expr, t.ok]), [['p99<1us', false], ['errors<1%', true]]);
    assert.match(r.stdout, /✗ p99<1us/);
    assert.match(r.stdout, /✗ failed: 1 of 2 thresholds broken/);
  });

  test('errors count against an errors threshold', async () => {
    const srv = await fake((req, res) => {
      res.writeHead(503);
      res.end();
    });
    const r = await rsLoad(['-s', 'get', '-u', '1', '-d', '1s', '--think', '10ms', '--threshold', 'errors<50%',
      `${srv.url}/`]);
    exited(r, 99);
    assert.equal(r.doc.thresholds[0].actual, '100.00%');
    assert.equal(r.doc.passed, false);
  });

  test('a bad command line exits 2 with a message on stderr, and runs nothing', async () => {
    const srv = await fake((req, res) => ok(res));
    const cases = [
      [['--vus', '0', srv.url], /--vus/],
      [['--vus', '5', '--rate', '10', srv.url], /--vus and --rate/],
      [['--stages', '1s:2', '-d', '1s', srv.url], /--stages/],
      [['--threshold', 'p95<fast', srv.url], /cannot read 'p95<fast'/],
      [['--bogus', '1', srv.url], /unknown option --bogus/],
      [['-s', 'get'], /no URL/],
      [['https://127.0.0.1/'], /URL/],
    ];
    for (const [args, message] of cases) {
      const r = await rsLoad(args, { json: false });
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^rs-load: /);
      assert.equal(r.stdout, '');
    }
    assert.equal(srv.requests, 0);
    assert.equal(srv.connections, 0);
  });

  test('--help prints the usage and exits 0', async () => {
    const r = await rsLoad(['--help'], { json: false });
    exited(r, 0);
    assert.match(r.stdout, /^usage: rs-load \[options\] URL/);
    assert.match(r.stdout, /--threshold/);
  });

  test('an unknown host exits 3 and writes no report', async () => {
    const r = await rsLoad(['-d', '1s', 'http://no-such-host.invalid:8080/']);
    exited(r, 3);
    assert.match(r.stderr, /no-such-host\.invalid/);
    assert.equal(r.doc, undefined);
    assert.ok(r.ms < 15000);
  });

  test('--html writes one page with SVG charts and no script', async () => {
    const srv = await fake((req, res) => ok(res));
    const html = path.join(dir, 'report.html');
    const r = await rsLoad(['-s', 'get', '-u', '2', '-d', '1s', '--html', html, `${srv.url}/page`]);
    exited(r);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<svg/);
    assert.doesNotMatch(page, /<script/i);
    assert.match(page, /GET \/page/);
    assert.ok(r.doc.totals.requests > 0);
  });

  test('a report that cannot be written exits 3', async () => {
    const srv = await fake((req, res) => ok(res));
    const r = await rsLoad(['-s', 'get', '-u', '1', '-d', '1s', '--html', path.join(dir, 'no', 'such', 'x.html'),
      `${srv.url}/`]);
    exited(r, 3);
    assert.match(r.stderr, /cannot write/);
    assert.ok(r.doc.totals.requests > 0);   // the JSON was still written
  });

  test('--stages ramps the VUs up and down over the stages', async () => {
    const srv = await fake((req, res) => setTimeout(() => ok(res), 5));
    const r = await rsLoad(['-s', 'get', '--stages', '1s:4,1s:0', `${srv.url}/`]);
    exited(r);
    const { doc } = r;
    assert.ok(r.ms >= 1900, `ran ${r.ms} ms`);
    assert.ok(doc.duration_s >= 1.9 && doc.duration_s <= 2.5, `duration ${doc.duration_s}`);
    assert.equal(doc.vus, 4);
    assert.deepEqual(doc.stages, [{ duration_s: 1, target: 4 }, { duration_s: 1, target: 0 }]);
    assert.equal(doc.timeline.length, 2);
    assert.ok(doc.timeline.some((s) => s.active > 0), JSON.stringify(doc.timeline));
    for (const s of doc.timeline) assert.ok(s.active <= 4, JSON.stringify(doc.timeline));
    assert.ok(doc.totals.requests > 0);
    assert.equal(doc.totals.errors, 0);
    // VUs without think time are always busy, so (Little's law) the VUs on
    // average are the time spent in requests over the run's: ramping 0-4-0
    // makes 2, where a constant 4 would make 4
    const busy = (doc.totals.requests * doc.totals.latency_us.mean) / 1e6 / doc.duration_s;
    assert.ok(busy >= 1.2 && busy <= 2.8, `${busy.toFixed(2)} VUs on average`);
    // one connection per VU at most: each joins once and leaves once
    assert.ok(srv.connections >= 1 && srv.connections <= 4, `${srv.connections} connections`);
  });

  // A fake shop for the browse journey: categories answered by `categories`.
  const fakeShop = (categories) => fake((req, res) => {
    const url = req.url;
    if (url === '/') return ok(res, '<!doctype html><html><body>shop</body></html>', 'text/html');
    if (url === '/api/catalogue/categories') return json(res, categories);
    if (url === '/api/catalogue/products')
      return json(res, [{ sku: 'RB-ONE', instock: 1, price: 1 }, { sku: 'RB-TWO', instock: 0, price: 2 }]);
    const product = /^\/api\/catalogue\/product\/([\w-]+)$/.exec(url);
    if (product) return json(res, { sku: product[1], price: 10, instock: 3 });
    if (/^\/api\/ratings\/api\/fetch\/[\w-]+$/.test(url)) return json(res, { avg_rating: 4.5, rating_count: 2 });
    return json(res, { error: 'not found' }, 404);
  });

  test('browse plays its five steps against a shop that answers right', async () => {
    const srv = await fakeShop(['Robots']);
    const r = await rsLoad(['-s', 'browse', '-u', '2', '-d', '1s', srv.url]);
    exited(r);
    const { doc } = r;
    everyJourneyPassed(doc);
    assert.deepEqual(doc.steps.map((s) => s.name).sort(), [
      'GET /', 'GET /api/catalogue/categories', 'GET /api/catalogue/product/:sku',
      'GET /api/catalogue/products', 'GET /api/ratings/api/fetch/:sku',
    ]);
  });

  test('browse names a wrong answer: categories of {} is "no categories in answer"', async () => {
    const srv = await fakeShop({});
    const r = await rsLoad(['-s', 'browse', '-u', '2', '-d', '1s', srv.url]);
    exited(r);
    const { doc } = r;
    assert.ok(doc.journeys.count > 0);
    assert.equal(doc.journeys.failed, doc.journeys.count);
    assert.deepEqual(doc.errors.map((e) => [e.step, e.error]),
      [['GET /api/catalogue/categories', 'no categories in answer']]);
    assert.equal(stepNamed(doc, 'GET /').errors, 0);
    // the journey stopped at the failed check
    assert.equal(stepNamed(doc, 'GET /api/catalogue/products'), undefined);
    assert.ok(!srv.seen.some((s) => s.url === '/api/catalogue/products'));
  });

  // A fake user service whose users have ordered before and hold a cart;
  // `history` is what /history answers.
  const fakeAccounts = (history) => fake((req, res) => {
    const url = req.url;
    if (req.method === 'POST' && url === '/api/user/login') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => json(res, { name: JSON.parse(body).name, email: 'x@example.com' }));
      return undefined;
    }
    const user = /^\/api\/user\/history\/([\w-]+)$/.exec(url);
    if (user) return json(res, history(user[1]));
    if (/^\/api\/cart\/cart\/[\w-]+$/.test(url))
      return json(res, { total: 24, tax: 4, items: [{ qty: 2, sku: 'RB-ONE', name: 'One', price: 12, subtotal: 24 }] });
    return json(res, { error: 'not found' }, 404);
  });

  test('login reads the history and cart of a user who has both', async () => {
    const srv = await fakeAccounts((name) => ({ name, history: [{ orderid: 'o-1', cart: {} }] }));
    const r = await rsLoad(['-s', 'login', '-u', '2', '-d', '1s', srv.url]);
    exited(r);
    const { doc } = r;
    everyJourneyPassed(doc);
    assert.ok(stepNamed(doc, 'GET /api/user/history/:id').count > 0);
    assert.ok(stepNamed(doc, 'GET /api/cart/cart/:id').count > 0);
  });

  test('login names a history that is not one: "no history in answer"', async () => {
    const srv = await fakeAccounts((name) => ({ name }));
    const r = await rsLoad(['-s', 'login', '-u', '2', '-d', '1s', srv.url]);
    exited(r);
    assert.deepEqual(r.doc.errors.map((e) => [e.step, e.error]),
      [['GET /api/user/history/:id', 'no history in answer']]);
  });

  test('the open model follows a ramp of its rate from 0', async () => {
    const srv = await fake((req, res) => ok(res));
    const r = await rsLoad(['-s', 'get', '--rate', '1', '--stages', '2s:200', `${srv.url}/`]);
    exited(r);
    // 0 to 200 a second over 2 s: 200 journeys
    const n = r.doc.journeys.count;
    assert.ok(n >= 150 && n <= 250, `${n} journeys, want about 200`);
  });

  test('the timeline adds up to the totals', async () => {
    const srv = await fake((req, res) => ok(res));
    const r = await rsLoad(['-s', 'get', '-u', '8', '-d', '1s', `${srv.url}/`]);
    exited(r);
    const { doc } = r;
    const sum = (key) => doc.timeline.reduce((a, s) => a + s[key], 0);
    assert.equal(sum('requests'), doc.totals.requests);
    assert.equal(sum('errors'), doc.totals.errors);
  });

  test('"started" gives the timeline\'s start to the millisecond: the first request falls in its second 0', async () => {
    let first = 0;
    const srv = await fake((req, res) => { first ||= Date.now(); ok(res); });
    const before = Date.now();
    const r = await rsLoad(['-s', 'get', '-u', '1', '-d', '1s', `${srv.url}/`]);
    exited(r);
    assert.match(r.doc.started, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const started = Date.parse(r.doc.started);
    assert.ok(started >= before - 1 && started <= first, `started ${started}, spawned ${before}, first request ${first}`);
    assert.ok(first - started < 1000 && r.doc.timeline[0].requests > 0);
  });

  test('after SIGINT, rs-load ends at once and its duration is the load\'s', async () => {
    const srv = await fake((req, res) => ok(res));
    let signalled;
    const r = await rsLoad(['-s', 'get', '-u', '2', '-d', '30s', `${srv.url}/`], {
      onStart: (child) => setTimeout(() => { signalled = Date.now(); child.kill('SIGINT'); }, 1000),
    });
    exited(r);
    const waited = Date.now() - signalled;
    assert.ok(waited < 500, `ended ${waited} ms after the signal`);
    assert.ok(r.doc.duration_s < 1.5, `duration ${r.doc.duration_s} s for a load stopped at 1 s`);
  });
});
