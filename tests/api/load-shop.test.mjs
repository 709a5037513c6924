// load-shop.test.mjs - rs-load against the real shop, started whole the way
// `make run` starts it (scripts/stack, in a directory and on ports of its
// own): each scenario (browse, checkout, login, mix) runs 2 s with 4 VUs
// without an error and plays the steps it should; the payments rs-load
// counts are the orders the payment service counts (its /metrics); and a
// run within its thresholds exits 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runRsLoad } from './lib/rsload.mjs';
import { startStack } from './lib/stack.mjs';
import { metricValue, removeDir, sleep, tempDir } from './lib/service.mjs';

// The shop's addresses, on the port offset reserved for it in before().
let SHOP, PAYMENT;
const VUS = 4;

const BROWSE_STEPS = [
  'GET /', 'GET /api/catalogue/categories', 'GET /api/catalogue/products',
  'GET /api/catalogue/product/:sku', 'GET /api/ratings/api/fetch/:sku',
];
const CHECKOUT_STEPS = [
  'GET /api/user/uniqueid', 'GET /api/catalogue/categories', 'GET /api/catalogue/products',
  'GET /api/catalogue/product/:sku', 'GET /api/ratings/api/fetch/:sku',
  'PUT /api/ratings/api/rate/:sku/:score', 'GET /api/cart/add/:id/:sku/:qty', 'GET /api/cart/cart/:id',
  'GET /api/cart/update/:id/:sku/:qty', 'GET /api/shipping/codes', 'GET /api/shipping/match/:code/:text',
  'GET /api/shipping/calc/:uuid', 'POST /api/shipping/confirm/:id', 'POST /api/payment/pay/:id',
];
const VOTE = 'PUT /api/ratings/api/rate/:sku/:score';
const LOGIN_STEPS = ['POST /api/user/login', 'GET /api/user/history/:id', 'GET /api/cart/cart/:id'];

describe('rs-load against the whole shop', () => {
  let reportDir;
  let runs = 0;
  let stack;

  before(async () => {
    reportDir = tempDir('rs-load-shop-');
    stack = await startStack('rs-load-stack-');
    SHOP = stack.url;
    PAYMENT = stack.urlAt(8086);
  }, { timeout: 320000 });

  after(async () => {
    removeDir(reportDir);
    await stack?.stop();   // a sanitizer report in the shop's logs fails the file
  });

  // Runs rs-load on the shop to its end: exit code, output and results.
  function rsLoad(args, timeoutMs = 60000) {
    const file = path.join(reportDir, `run-${++runs}.json`);
    return runRsLoad(['--quiet', '--json', file, ...args, SHOP], { jsonFile: file, timeoutMs });
  }

  // A run that went right: exit 0, journeys played, not one error.
  function clean(t, r) {
    assert.equal(r.code, 0, `exit ${r.code} (signal ${r.signal}): ${r.stderr}\n${r.stdout}`);
    const { doc } = r;
    t.diagnostic(`${doc.journeys.count} journeys, ${doc.totals.requests} requests`);
    assert.deepEqual(doc.errors, [], r.stdout);
    assert.equal(doc.totals.errors, 0);
    assert.ok(doc.journeys.count > 0, 'no journey finished');
    assert.equal(doc.journeys.failed, 0);
    assert.equal(doc.vus, VUS);
    for (const s of doc.steps) assert.equal(s.errors, 0, s.name);
    return doc;
  }

  const names = (doc) => doc.steps.map((s) => s.name);
  const count = (doc, name) => doc.steps.find((s) => s.name === name)?.count ?? 0;

  async function paymentMetrics() {
    const res = await fetch(`${PAYMENT}/metrics`);
    assert.equal(res.status, 200);
    return res.text();
  }

  // The payment metrics once the last payments in flight have landed.
  async function settledPaymentMetrics() {
    let last = await paymentMetrics();
    for (let i = 0; i < 20; i++) {
      await sleep(250);
      const now = await paymentMetrics();
      if (metricValue(now, 'units_sold_count') === metricValue(last, 'units_sold_count')) return now;
      last = now;
    }
    return last;
  }

  test('browse: every journey plays the five browse steps, no error', async (t) => {
    const doc = clean(t, await rsLoad(['-s', 'browse', '-u', String(VUS), '-d', '2s']));
    assert.equal(doc.scenario, 'browse');
    assert.deepEqual(names(doc).sort(), [...BROWSE_STEPS].sort());
    // a journey is the five requests, one of each
    for (const name of BROWSE_STEPS) {
      const n = count(doc, name);
      assert.ok(n >= doc.journeys.count && n <= doc.journeys.count + VUS, `${name}: ${n}`);
    }
  });

  test('checkout: the whole purchase, and the orders the payment service counts', async (t) => {
    const before = await settledPaymentMetrics();
    const r = await rsLoad(['-s', 'checkout', '-u', String(VUS), '-d', '2s']);
    const doc = clean(t, r);
    assert.equal(doc.scenario, 'checkout');
    const seen = names(doc);
    for (const name of seen) assert.ok(CHECKOUT_STEPS.includes(name), `unexpected step ${name}`);
    // every step but the vote (one shopper in five) is in every journey
    for (const name of CHECKOUT_STEPS.filter((n) => n !== VOTE))
      assert.ok(count(doc, name) >= doc.journeys.count, `${name}: ${count(doc, name)}`);
    // two robots each, a vote for one in five: none in 30 journeys is 0.64^30, 1.5e-6
    if (doc.journeys.count >= 30) assert.ok(seen.includes(VOTE), 'no vote in 30 journeys or more');
    // and two robots are looked at and added in each
    for (const name of ['GET /api/catalogue/product/:sku', 'GET /api/cart/add/:id/:sku/:qty'])
      assert.ok(count(doc, name) >= 2 * doc.journeys.count, `${name}: ${count(doc, name)}`);

    const pays = count(doc, 'POST /api/payment/pay/:id');
    assert.equal(doc.journeys.count, pays);   // a journey ends with its payment
    const now = await settledPaymentMetrics();
    const delta = (name) => metricValue(now, name) - metricValue(before, name);
    const orders = delta('units_sold_count');
    const sold = delta('sold_count');
    t.diagnostic(`${pays} payments counted; the shop counts ${orders} orders, ${sold} robots`);
    // payments still in flight when the time was up reach the shop but are
    // not counted: at most one per VU
    assert.ok(orders >= pays && orders <= pays + VUS, `${orders} orders, ${pays} payments counted`);
    // sold_count counts robots: two or three a purchase (two added, the
    // first line's quantity then set to 2)
    assert.ok(sold >= 2 * orders && sold <= 3 * orders, `${sold} robots sold in ${orders} orders`);
  });

  test('login: signs in, reads the history and the cart, no error', async (t) => {
    const doc = clean(t, await rsLoad(['-s', 'login', '-u', String(VUS), '-d', '2s']));
    assert.equal(doc.scenario, 'login');
    assert.deepEqual(names(doc).sort(), [...LOGIN_STEPS].sort());
    const logins = count(doc, 'POST /api/user/login');
    assert.ok(logins >= doc.journeys.count && logins <= doc.journeys.count + VUS, `${logins} sign-ins`);
  });

  test('mix: the three journeys by weight, no error', async (t) => {
    const doc = clean(t, await rsLoad(['-s', 'mix', '-u', String(VUS), '-d', '2s']));
    assert.equal(doc.scenario, 'mix');
    const all = new Set([...BROWSE_STEPS, ...CHECKOUT_STEPS, ...LOGIN_STEPS]);
    for (const name of names(doc)) assert.ok(all.has(name), `unexpected step ${name}`);
    // browse, weight 7 in 10, starts most journeys
    assert.ok(count(doc, 'GET /') > 0);
    const started = count(doc, 'GET /') + count(doc, 'GET /api/user/uniqueid') + count(doc, 'POST /api/user/login');
    assert.ok(started >= doc.journeys.count && started <= doc.journeys.count + VUS);
    // checkout (2 in 10) and login (1 in 10) show up given enough journeys
    // (missing by chance: 0.8^80 and 0.9^160, both under 1e-7)
    if (doc.journeys.count >= 80)
      assert.ok(count(doc, 'GET /api/user/uniqueid') > 0, 'no checkout in 80 journeys or more');
    if (doc.journeys.count >= 160)
      assert.ok(count(doc, 'POST /api/user/login') > 0, 'no login in 160 journeys or more');
  });

  test('a run within its thresholds exits 0', async (t) => {
    const r = await rsLoad(['-s', 'browse', '-u', String(VUS), '-d', '2s', '--threshold', 'errors<1%,p99<5s']);
    const doc = clean(t, r);
    assert.equal(doc.passed, true);
    assert.deepEqual(doc.thresholds.map((x) => [x.expr, x.ok]), [['errors<1%', true], ['p99<5s', true]]);
    assert.match(r.stdout, /✓ passed/);
  });
});
