// ops.test.mjs - monitoring against a real shop: the whole shop started the
// way `make run` starts it (scripts/stack, its own directory and ports),
// with its Prometheus (Debian's) scraping every service and RabbitMQ and
// evaluating the monitoring component's rules, under rs-load's mix of
// journeys (4 VUs, 40 s). Then:
//   - every Grafana panel query (variables substituted) returns data,
//     except those that need Kubernetes' series, which are listed;
//   - the rules load and evaluate without error;
//   - the ops page draws the overview in Debian's chromium (a screenshot
//     in $E2E_OUT, default build/e2e/ops.png).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { needsKubernetes, panelQueries } from '../deploy/lib/dashboards.mjs';
import { runRsLoad } from '../api/lib/rsload.mjs';
import { startStack } from '../api/lib/stack.mjs';
import { launchChromium, screenshotPath } from './lib/browser.mjs';

// The shop's addresses, on the port offset reserved for it in before().
let SHOP, PROMETHEUS, OPS;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function query(expr) {
  const res = await fetch(`${PROMETHEUS}/api/v1/query?${new URLSearchParams({ query: expr })}`, { signal: AbortSignal.timeout(10000) });
  const body = await res.json();
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

describe('monitoring a shop under load', () => {
  let browser;
  let stack;

  before(async () => {
    stack = await startStack('rs-ops-stack-');
    SHOP = stack.url;
    PROMETHEUS = stack.urlAt(19090);
    OPS = `${stack.urlAt(19091)}/ops/`;
    const load = await runRsLoad(['--quiet', '-s', 'mix', '--mix', '5,4,1', '-u', '4', '--think', '0.1..0.3', '-d', '40s', SHOP], { timeoutMs: 90000 });
    assert.equal(load.code, 0, `rs-load: ${load.stderr}\n${load.stdout}`);
    // The recording rules run every 30 s: wait for one evaluation after the
    // load, and for a scrape of RabbitMQ's own metrics (slow on a busy machine).
    const ready = ['shop:orders_paid:rate5m > 0', 'job_route:http_server_requests:rate5m{job="payment"}',
      'rabbitmq_connections', 'rabbitmq_process_resident_memory_bytes'];
    for (let i = 0; i < 90; i++) {
      if ((await Promise.all(ready.map(query))).every((r) => r.length)) break;
      await sleep(1000);
    }
  }, { timeout: 300000 });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await stack?.stop();   // a sanitizer report in the shop's logs fails the file
    }
  });

  test('every panel that needs no Kubernetes series returns data', async (t) => {
    const queries = panelQueries();
    const untested = queries.filter((q) => needsKubernetes(q.expr));
    const empty = [];
    for (const q of queries.filter((x) => !needsKubernetes(x.expr))) {
      if (!(await query(q.expr)).length) empty.push(`${q.file}: ${q.panel} (${q.refId}): ${q.expr}`);
    }
    t.diagnostic(`${queries.length - untested.length} queries returned data; ${untested.length} need Kubernetes (kube-state-metrics, cAdvisor) and are untested here:`);
    for (const q of untested) t.diagnostic(`  untested: ${q.file}: ${q.panel} (${q.refId})`);
    assert.deepEqual(empty, []);
    assert.ok(queries.length - untested.length >= 100, 'fewer panel queries than expected');
  });

  test('the rules load and evaluate without error', async () => {
    const res = await (await fetch(`${PROMETHEUS}/api/v1/rules`)).json();
    const rules = res.data.groups.flatMap((g) => g.rules);
    assert.ok(rules.length >= 50, `${rules.length} rules loaded`);
    assert.deepEqual(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`), []);
    const firing = rules.filter((r) => r.type === 'alerting' && r.state === 'firing').map((r) => r.name);
    assert.deepEqual(firing, [], 'a healthy shop fires no alert');
  });

  test('the ops page draws the overview from Prometheus', async (t) => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    await page.goto(OPS);
    await page.waitForSelector('body[data-drawn]', { timeout: 20000 });
    const panels = await page.$$eval('section.panel', (els) => els.map((e) => ({
      title: e.dataset.title, points: Number(e.dataset.points ?? 0), error: e.classList.contains('error'), canvas: Boolean(e.querySelector('canvas')),
      value: e.querySelector('.value')?.textContent,
    })));
    const file = screenshotPath('ops');
    await page.screenshot({ path: file, fullPage: true });
    t.diagnostic(`screenshot: ${file}`);
    assert.deepEqual(problems, []);
    assert.ok(panels.length >= 10, `${panels.length} panels`);
    assert.deepEqual(panels.filter((p) => p.error || !p.points).map((p) => p.title), [], 'panels without data');
    assert.ok(panels.filter((p) => p.canvas).length >= 8, 'charts drawn with uPlot');
    // money in the shop's currency: the load paid orders, so the revenue is more than nothing
    assert.match(panels.find((p) => p.title === 'Revenue per hour')?.value ?? '', /^€\d[\d,]*\.\d\d$/);
  });
});
