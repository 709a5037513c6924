// cpu-stress.mjs - the catalogue's core taken by stress-ng: both catalogue
// replicas (every thread) are pinned to the machine's last core with
// taskset, and stress-ng runs CPU workers pinned to that same core for the
// fault's length; the catalogue's old affinity is given back afterwards.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { Shop } from '../lib/shop.mjs';
import { check, percentile, probesHeld, samplesWithin, secondsWithin } from '../lib/verdict.mjs';

const run = promisify(execFile);
// The bounds stated. The catalogue's routes through the gateway (probes):
// p95 during the stress at most SLOWDOWN times their p95 before it (the
// same run, so the same machine and its other load), never above
// CATALOGUE_CAP_MS (FLOOR_MS of slack when the baseline is tiny). And the
// whole load: no second's p95 above LOAD_P95_MS (nothing piles up). Two
// workers at the catalogue's priority leave it a third of its core, so
// its queueing latencies may grow some three times; five is the bound.
const SLOWDOWN = 5;
const FLOOR_MS = 100;
const CATALOGUE_CAP_MS = 1000;
const LOAD_P95_MS = 2000;
const WORKERS = 2;

async function affinity(pid) {
  const { stdout } = await run('taskset', ['-p', '-c', String(pid)]);
  return stdout.trim().split(':').pop().trim();
}

async function pin(pid, cpus) {
  await run('taskset', ['-a', '-p', '-c', cpus, String(pid)]);
}

export default {
  name: 'cpu-stress',
  title: `CPU stress on the catalogue's core (stress-ng, ${WORKERS} workers, taskset)`,
  hypothesis: [
    'no request fails, of the load or of the probes, before, during or after',
    `the catalogue's routes (probes through the gateway) keep p95 during the stress <= ${SLOWDOWN} × their p95 before it ` +
      `(at least ${FLOOR_MS} ms, at most ${CATALOGUE_CAP_MS} ms)`,
    `the load's p95 stays <= ${LOAD_P95_MS} ms in every second of the stress`,
  ],
  plan: (quick) => (quick ? { beforeS: 4, faultS: 6, afterS: 4 } : { beforeS: 10, faultS: 20, afterS: 8 }),

  async inject({ shop, plan }) {
    const core = String(availableParallelism() - 1);
    const pids = [];
    for (let r = 1; r <= shop.replicas; r++) pids.push(await shop.pid(Shop.program('catalogue', r)));
    if (pids.some((p) => !p)) throw new Error('a catalogue replica is not running');
    const before = await Promise.all(pids.map(affinity));
    await Promise.all(pids.map((p) => pin(p, core)));
    const pinned = await Promise.all(pids.map(affinity));
    const faultStart = Date.now();
    let stressed;
    try {
      stressed = await run('taskset', ['-c', core, 'stress-ng', '--cpu', String(WORKERS), '--cpu-load', '100',
        '--timeout', `${plan.faultS}s`, '--metrics-brief'], { timeout: (plan.faultS + 10) * 1000 });
    } finally {
      await Promise.all(pids.map((p, i) => pin(p, before[i]).catch(() => {})));
    }
    const faultEnd = Date.now();
    const bogo = /cpu\s+(\d+)\s/.exec(`${stressed.stdout}\n${stressed.stderr}`);
    return { faultStart, faultEnd, core, pids, affinityBefore: before, affinityPinned: pinned,
      stressBogoOps: bogo ? Number(bogo[1]) : null };
  },

  judge({ doc, samples, events, trafficStart, trafficEnd }) {
    const { faultStart, faultEnd } = events;
    const catalogue = samplesWithin(samples, faultStart, faultEnd, ['catalogue', 'product']);
    const baseline = samplesWithin(samples, trafficStart, faultStart, ['catalogue', 'product']);
    const p95 = percentile(catalogue.map((s) => s.ms), 95);
    const p95Before = percentile(baseline.map((s) => s.ms), 95);
    const bound = Math.min(CATALOGUE_CAP_MS, Math.max(FLOOR_MS, SLOWDOWN * p95Before));
    const stressedSeconds = secondsWithin(doc, faultStart, faultEnd);
    const worst = stressedSeconds.reduce((m, s) => Math.max(m, s.p95Ms), 0);
    return [
      check('the catalogue ran on the stressed core only',
        events.affinityPinned.every((a) => a === events.core) && events.stressBogoOps > 0,
        `affinity ${events.affinityPinned.join(', ')} (core ${events.core}, was ${events.affinityBefore.join(', ')}); stress-ng ${events.stressBogoOps} bogo ops`),
      check('load: 0 failed requests in the whole run', doc.totals.errors === 0 && doc.totals.requests > 0,
        `${doc.totals.errors} errors in ${doc.totals.requests} requests`),
      probesHeld('probes: every route answered 200 throughout', samples, trafficStart, trafficEnd),
      check(`catalogue p95 under stress <= ${SLOWDOWN} × before (${FLOOR_MS}..${CATALOGUE_CAP_MS} ms)`,
        catalogue.length > 0 && baseline.length > 0 && p95 <= bound,
        `p95 ${p95} ms over ${catalogue.length} probes; before ${p95Before} ms over ${baseline.length}: bound ${bound} ms`),
      check(`load p95 <= ${LOAD_P95_MS} ms in every second of the stress`, stressedSeconds.length > 0 && worst <= LOAD_P95_MS,
        `worst second's p95 ${worst.toFixed(1)} ms over ${stressedSeconds.length} s`),
    ];
  },
};
