// run.mjs - `make chaos`: breaks a running shop on purpose, one experiment
// at a time, under steady rs-load traffic (open model, the shoppers' mix)
// and the route probes, and judges each experiment's steady-state
// hypothesis before, during and after its fault.
//
//   node chaos/run.mjs [--quick] [--only NAME[,NAME]]   (or CHAOS_QUICK=1, CHAOS=NAME)
//   node chaos/run.mjs --judge FILE.json                 judge a recorded run again
//   node chaos/run.mjs --list                            the experiments
//
// The shop is one of its own (scripts/stack, REPLICAS=2, its own directory
// and port offset), unless CHAOS_STACK_DIR names a running one (.run for
// `make run REPLICAS=2`; STACK_PORT_OFFSET if it has one); there the
// slow-dependency experiment cannot run (payment has no gateway to slow).
// Everything stays on loopback; every run is bounded in time. Writes to
// CHAOS_OUT (default chaos/results/<time>/): report.txt, report.html and one
// <experiment>.json per experiment (what was observed, for --judge).
// An experiment whose steady state did not hold even before its fault is
// run once more (the report says so). Exit code: 0 every hypothesis held,
// 1 one failed (or an experiment could not run), 2 a bad command line.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRsLoad } from '../tests/api/lib/rsload.mjs';
import { experiments as datastoreExperiments } from './experiments/datastore-down.mjs';
import cpuStress from './experiments/cpu-stress.mjs';
import killReplica from './experiments/kill-replica.mjs';
import slowDependency from './experiments/slow-dependency.mjs';
import { startGateway } from './lib/gateway.mjs';
import { ROUTES, startProbes } from './lib/probes.mjs';
import { htmlReport, textReport } from './lib/report.mjs';
import { attachShop, startShop, STORES } from './lib/shop.mjs';
import { noLoadErrors, passed, payments, probesHeld } from './lib/verdict.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const EXPERIMENTS = [killReplica, cpuStress, ...datastoreExperiments, slowDependency];

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function untilTrue(fn, timeoutMs, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() >= end) return false;
    await sleep(everyMs);
  }
}

function log(line) {
  process.stderr.write(`chaos: ${line}\n`);
}

function usage(message) {
  if (message) process.stderr.write(`chaos: ${message}\n`);
  process.stderr.write('usage: node chaos/run.mjs [--quick] [--only NAME[,NAME]] | --judge FILE | --list\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { quick: process.env.CHAOS_QUICK === '1', only: process.env.CHAOS || '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = argv[++i] ?? usage('--only needs a name');
    else if (a === '--judge') o.judge = argv[++i] ?? usage('--judge needs a file');
    else if (a === '--list') o.list = true;
    else usage(`unknown argument ${a}`);
  }
  const names = o.only ? o.only.split(',').map((s) => s.trim()).filter(Boolean) : [];
  const known = new Set(EXPERIMENTS.map((e) => e.name));
  for (const n of names) if (!known.has(n)) usage(`no experiment ${n}; one of: ${[...known].join(', ')}`);
  o.experiments = names.length ? EXPERIMENTS.filter((e) => names.includes(e.name)) : EXPERIMENTS;
  return o;
}

// The steady state before the fault: no load error, every probe 200. When
// it did not hold (the machine stalled, say), the run says nothing about
// the fault: the experiment is run once more.
export function steadyBefore(obs) {
  const end = obs.events?.faultStart ?? obs.trafficEnd;
  const load = noLoadErrors('before the fault: no load errors', obs.doc, obs.trafficStart, end);
  const probes = probesHeld('before the fault: every probe answered 200', obs.samples, obs.trafficStart, end);
  return load.ok && probes.ok ? null : `${load.detail}; ${probes.detail}`;
}

// The result of an experiment: its verdict on what was observed.
export function judge(exp, obs) {
  const checks = exp.judge(obs);
  return { name: exp.name, title: exp.title, hypothesis: exp.hypothesis, checks, passed: passed(checks),
    doc: obs.doc, events: obs.events };
}

// Every service's replicas are ready and every store accepts connections.
async function shopSettled(shop) {
  const services = ['web', 'dispatch', 'catalogue', 'user', 'cart', 'shipping', 'ratings', 'payment'];
  for (const s of services) {
    const n = ['web', 'dispatch'].includes(s) ? 1 : shop.replicas;
    for (let r = 1; r <= n; r++) if (!(await shop.ready(s, r))) return false;
  }
  for (const store of Object.keys(STORES)) if (!(await shop.accepts(store))) return false;
  return true;
}

async function observe(exp, { shop, gateway, quick, out, rate }) {
  const plan = exp.plan(quick);
  const duration = plan.beforeS + plan.faultS + plan.afterS;
  if (!(await untilTrue(() => shopSettled(shop), 60000, 250))) throw new Error('the shop was not ready before the experiment');
  const ordersStart = await shop.ordersProcessed();
  const jsonFile = path.join(out, `${exp.name}.load.json`);
  const probes = await startProbes(shop.url);
  const spawned = Date.now();
  const traffic = runRsLoad(['--quiet', '-s', 'mix', '--rate', String(rate), '--max-vus', '500',
    '--timeout', '10s', '-d', `${duration}s`, '--json', jsonFile, shop.url],
  { jsonFile, timeoutMs: (duration + 60) * 1000 });
  let events, load, samples;
  try {
    await sleep(plan.beforeS * 1000 - (Date.now() - spawned));
    log(`${exp.name}: fault`);
    events = await exp.inject({ shop, gateway, plan, sleep, untilTrue });
    log(`${exp.name}: fault over after ${((events.faultEnd - events.faultStart) / 1000).toFixed(1)} s`);
  } finally {
    load = await traffic;
    samples = await probes.stop();
  }
  if (!load.doc) throw new Error(`rs-load wrote no results (exit ${load.code}): ${load.stderr}`);
  const pays = payments(load.doc, samples);
  let recorded = 0;
  await untilTrue(async () => {
    recorded = (await shop.ordersProcessed().catch(() => 0)) - ordersStart;
    return recorded >= pays.accepted;
  }, 20000, 250);
  const started = Date.parse(load.doc.started);
  return { name: exp.name, quick, plan, rate, doc: load.doc, samples, events,
    trafficStart: started + 1000, trafficEnd: started + load.doc.duration_s * 1000,
    orders: { ...pays, recorded } };
}

async function judgeFile(file) {
  const obs = JSON.parse(readFileSync(file, 'utf8'));
  const exp = EXPERIMENTS.find((e) => e.name === obs.name);
  if (!exp) usage(`${file}: no experiment named ${obs.name}`);
  const result = judge(exp, obs);
  process.stdout.write(textReport([result]));
  process.exit(result.passed ? 0 : 1);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.list) {
    for (const e of EXPERIMENTS) process.stdout.write(`${e.name.padEnd(16)} ${e.title}\n`);
    return;
  }
  if (o.judge) return judgeFile(o.judge);
  process.chdir(ROOT);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const out = path.resolve(process.env.CHAOS_OUT ?? path.join(ROOT, 'chaos/results', stamp));
  mkdirSync(out, { recursive: true });
  const rate = o.quick ? 4 : 8;
  const attached = process.env.CHAOS_STACK_DIR;
  const gateway = attached ? null : await startGateway();
  log(attached ? `using the shop in ${attached}` : 'starting a shop of its own (REPLICAS=2)');
  const shop = attached ? attachShop(ROOT, attached, Number(process.env.STACK_PORT_OFFSET ?? 0))
    : await startShop({ PAYMENT_GATEWAY: gateway.url });
  // The shop's stop fails on a sanitizer report in its logs: the run fails then.
  const stopAll = async () => {
    try { await shop.stop(); } finally { await gateway?.close(); }
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      stopAll().catch((e) => log(`stopping the shop: ${e.message}`)).finally(() => process.exit(130));
    });
  }
  let stopError = null;
  const results = [];
  try {
    log(`shop at ${shop.url}; results in ${path.relative(ROOT, out) || out}`);
    for (const exp of o.experiments) {
      log(`${exp.name}: ${exp.title}`);
      let result;
      try {
        let obs = await observe(exp, { shop, gateway, quick: o.quick, out, rate });
        const unsteady = steadyBefore(obs);
        if (unsteady) {
          log(`${exp.name}: the steady state did not hold before the fault (${unsteady}): once more`);
          obs = await observe(exp, { shop, gateway, quick: o.quick, out, rate });
          obs.repeated = unsteady;
        }
        writeFileSync(path.join(out, `${exp.name}.json`), JSON.stringify(obs));
        result = judge(exp, obs);
        result.repeated = obs.repeated;
      } catch (e) {
        result = { name: exp.name, title: exp.title, hypothesis: exp.hypothesis, checks: [], passed: false,
          error: e.message };
      }
      log(`${exp.name}: ${result.passed ? 'held' : 'FAILED'}`);
      results.push(result);
    }
  } finally {
    stopError = await stopAll().then(() => null, (e) => e);
  }
  const text = textReport(results);
  writeFileSync(path.join(out, 'report.txt'), text);
  writeFileSync(path.join(out, 'report.html'), htmlReport(results, {
    started: stamp, shop: attached ? `${attached} (attached)` : 'its own, REPLICAS=2', quick: o.quick,
    load: `-s mix --rate ${rate}; probes of ${ROUTES.map((r) => r.name).join(', ')}`,
  }));
  process.stdout.write(text);
  process.stdout.write(`report: ${path.join(out, 'report.html')}\n`);
  if (stopError) process.stderr.write(`chaos: stopping the shop: ${stopError.message}\n`);
  process.exitCode = results.every((r) => r.passed) && !stopError ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`chaos: ${e.stack ?? e}\n`);
    process.exit(1);
  });
}
