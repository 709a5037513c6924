// verdict.test.mjs - the chaos experiments' verdicts on made-up
// observations (no shop): a run whose hypothesis held passes, the same run
// with a failure in the fault's window fails, one failing before the fault
// is told apart, and `node chaos/run.mjs
// --judge` exits 0 and 1 for them; the datastore checks tell a fast 503
// from a slow or wrong answer, and count recovery from the store's return.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { EXPERIMENTS, judge, steadyBefore } from '../../chaos/run.mjs';
import { failedFast, noOrderLost, recoveryMs, secondsWithin } from '../../chaos/lib/verdict.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const experiment = (name) => EXPERIMENTS.find((e) => e.name === name);

// An rs-load document of `n` seconds at 50 requests a second, errors[t]
// errors in second t (1-based), on the step named.
function loadDoc(n, errors = {}, step = 'GET /api/catalogue/product/:sku') {
  const timeline = Array.from({ length: n }, (_, i) => ({
    t: i + 1, requests: 50, errors: errors[i + 1] ?? 0, active: 3, p50_us: 2000, p95_us: 5000, p99_us: 8000, max_us: 9000,
  }));
  const total = Object.values(errors).reduce((a, b) => a + b, 0);
  return {
    started: new Date(T0).toISOString(), duration_s: n,
    totals: { requests: 50 * n, errors: total, rps: 50, latency_us: { p95: 5000 } },
    steps: [{ name: step, count: 50 * n, errors: total }],
    errors: total ? [{ step, error: 'status 502', count: total }] : [],
    timeline,
  };
}

// Probe samples: each route every 200 ms over [from, to), answered by
// answer(route, t) -> {status, ms}.
function probes(routes, from, to, answer) {
  const list = [];
  for (let t = from; t < to; t += 200) {
    for (const route of routes) {
      const a = answer(route, t);
      list.push({ route, started: t, ms: a.ms, status: a.status, ok: a.status === 200 });
    }
  }
  return list;
}

function killObservation({ errorsInFault = 0, backMs = 1500, errorsBefore = 0 } = {}) {
  const doc = loadDoc(20, { ...(errorsBefore ? { 5: errorsBefore } : {}), ...(errorsInFault ? { 11: errorsInFault } : {}) });
  return {
    name: 'kill-replica', doc, trafficStart: T0 + 1000, trafficEnd: T0 + 20000,
    samples: probes(['catalogue', 'cart'], T0 + 1000, T0 + 20000, () => ({ status: 200, ms: 3 })),
    events: { faultStart: T0 + 10000, faultEnd: T0 + 10000 + backMs, back: true, backMs, killedPid: 10, newPid: 11 },
    orders: { accepted: 0, unknown: 0, recorded: 0 },
  };
}

test('kill-replica: a clean run holds; errors in the fault\'s window or a late return fail it', () => {
  const exp = experiment('kill-replica');
  assert.equal(judge(exp, killObservation()).passed, true);
  const failed = judge(exp, killObservation({ errorsInFault: 3 }));
  assert.equal(failed.passed, false);
  assert.ok(failed.checks.some((c) => !c.ok && /0 failed requests/.test(c.name)));
  assert.equal(judge(exp, killObservation({ backMs: 9000 })).passed, false);
});

test('a run whose steady state failed before the fault is told apart (to be run again)', () => {
  assert.equal(steadyBefore(killObservation()), null);
  assert.equal(steadyBefore(killObservation({ errorsInFault: 2 })), null);
  assert.match(steadyBefore(killObservation({ errorsBefore: 2 })), /2 errors in/);
});

test('node chaos/run.mjs --judge exits 0 when the hypothesis held, 1 when it failed', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rs-chaos-judge-'));
  try {
    const good = path.join(dir, 'good.json'), bad = path.join(dir, 'bad.json');
    writeFileSync(good, JSON.stringify(killObservation()));
    writeFileSync(bad, JSON.stringify(killObservation({ errorsInFault: 1 })));
    const ok = await run('node', [path.join(ROOT, 'chaos/run.mjs'), '--judge', good]);
    assert.match(ok.stdout, /✓ kill-replica/);
    const err = await run('node', [path.join(ROOT, 'chaos/run.mjs'), '--judge', bad]).then(() => null, (e) => e);
    assert.ok(err, 'a failed hypothesis must exit non-zero');
    assert.equal(err.code, 1);
    assert.match(err.stdout, /✗ kill-replica/);
    assert.match(err.stdout, /1 of 1 hypotheses failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the timeline is laid on the wall clock from "started": second t covers [t-1, t)', () => {
  const doc = loadDoc(5);
  assert.deepEqual(secondsWithin(doc, T0 + 1000, T0 + 3000).map((s) => s.t), [2, 3]);
  assert.deepEqual(secondsWithin(doc, T0 + 1500, T0 + 3000).map((s) => s.t), [3]);
});

test('failedFast: 503s within the budget pass; a slow answer, a 500 or no failure at all fail', () => {
  const at = (status, ms) => probes(['cart'], T0, T0 + 2000, () => ({ status, ms }));
  assert.equal(failedFast('x', at(503, 20), T0, T0 + 2000, ['cart'], [503, 504], 1000).ok, true);
  assert.equal(failedFast('x', at(503, 1500), T0, T0 + 2000, ['cart'], [503, 504], 1000).ok, false);
  assert.equal(failedFast('x', at(500, 20), T0, T0 + 2000, ['cart'], [503, 504], 1000).ok, false);
  assert.equal(failedFast('x', at(200, 20), T0, T0 + 2000, ['cart'], [503, 504], 1000).ok, false);
});

test('recoveryMs: from the return to the end of the first 200 after the last failure', () => {
  const back = T0 + 5000;
  const samples = probes(['cart', 'ratings'], T0, T0 + 9000, (route, t) =>
    ({ status: route === 'cart' && t < back + 600 ? 503 : 200, ms: 10 }));
  assert.equal(recoveryMs(samples, back, ['cart', 'ratings']), 600 + 10);   // last 503 at +400, a 200 at +600
  const never = probes(['cart'], T0, T0 + 9000, () => ({ status: 503, ms: 10 }));
  assert.equal(recoveryMs(never, back, ['cart']), null);
});

test('noOrderLost: recorded between accepted and accepted + unknown', () => {
  assert.equal(noOrderLost('x', { accepted: 10, unknown: 2, recorded: 11 }).ok, true);
  assert.equal(noOrderLost('x', { accepted: 10, unknown: 2, recorded: 9 }).ok, false);
  assert.equal(noOrderLost('x', { accepted: 10, unknown: 0, recorded: 11 }).ok, false);
});
