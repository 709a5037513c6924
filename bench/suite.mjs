// suite.mjs - the shop's benchmark suite (`make bench`): starts a fresh shop
// the way `make run` does (its own directory and ports, access logs off),
// loads it with rs-load as shoppers would, and writes what it measured to
// bench/results/<time>/: one JSON and one HTML report per load run,
// summary.json and README.md (the Markdown tables).
//
//   (a) the seed profile: 1000 VUs browsing with 1 s think time, 2 minutes
//       (the VUs join over the first 15 s)
//   (b) peak: browsing with no think time at 64, 256 and 1000 connections
//   (c) checkout at fixed open-loop rates, stepped up until p99 > 100 ms or
//       errors appear
//   (d) memory: every process's RSS at idle and its peak
//   (e) the per-service microbenchmarks, the gateway beside nginx, and the
//       rs-load/wrk agreement check (bench/run)
//
// Each run also records each process's CPU share, which names the
// bottleneck, and each peak run the gateway's memory while it ran.
// BENCH_QUICK=1 shortens every run (for trying the suite out);
// BENCH_CASE=peak runs only (b), BENCH_CASE=flood only (f).
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_DIR = process.env.BUILD_DIR ?? 'build';
const RS_LOAD = path.join(ROOT, BUILD_DIR, 'src/load/rs-load');
// Every port of the stack stays below 32768, out of the range the kernel
// hands out to outgoing connections (the load makes thousands of them).
// BENCH_PORT_OFFSET (at most 13000) lets a second bench run beside one.
const OFFSET = Number(process.env.BENCH_PORT_OFFSET ?? 10000);
const SHOP = `http://127.0.0.1:${8080 + OFFSET}`;
const QUICK = process.env.BENCH_QUICK === '1';
const SEED_STAGES = QUICK ? '5s:1000,15s:1000' : '15s:1000,1m45s:1000';
const PEAK_DURATION = QUICK ? '5s' : '30s';
const STEP_DURATION = QUICK ? '5s' : '20s';
const PEAK_VUS = [64, 256, 1000];
const CHECKOUT_RATES = [10, 20, 40, 60, 80, 100, 130, 160, 200, 250, 300, 400];
const CHECKOUT_P99_LIMIT_US = 100000;
const CLOCK_TICKS = 100;   // USER_HZ on Linux

const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const OUT = path.join(ROOT, 'bench/results', stamp);
const stackDir = mkdtempSync(path.join(tmpdir(), 'rs-bench-stack-'));
const stackEnv = { ...process.env, STACK_DIR: stackDir, STACK_PORT_OFFSET: String(OFFSET), ACCESS_LOG: '0', BUILD_DIR };

function log(line) {
  process.stderr.write(`bench: ${line}\n`);
}

// ---- the processes of the shop ------------------------------------------

// Every process of the stack: supervisord's programs and their children.
async function stackProcesses() {
  const conf = path.join(stackDir, 'supervisord.conf');
  const { stdout } = await run('supervisorctl', ['-c', conf, 'status'], { env: stackEnv }).catch((e) => e);
  const programs = [];
  for (const line of (stdout ?? '').split('\n')) {
    const m = /^(\S+)\s+RUNNING\s+pid (\d+)/.exec(line);
    if (m) programs.push({ name: m[1], pid: Number(m[2]) });
  }
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(Number(entry), 'stat');
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const tree = (pid) => [pid, ...(children.get(pid) ?? []).flatMap(tree)];
  return programs.map((p) => ({ name: p.name, pids: tree(p.pid) }));
}

function readProc(pid, file) {
  try { return readFileSync(`/proc/${pid}/${file}`, 'utf8'); } catch { return null; }
}

// RSS now and at its highest (VmHWM), and PSS now (shared pages divided
// among the processes that share them), in MiB, summed over a program's
// processes.
function memoryOf(program) {
  let rss = 0, peak = 0, pss = 0;
  for (const pid of program.pids) {
    const status = readProc(pid, 'status') ?? '';
    rss += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
    peak += Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
    pss += Number(/^Pss:\s+(\d+)/m.exec(readProc(pid, 'smaps_rollup') ?? '')?.[1] ?? 0) / 1024;
  }
  return { rss, peak, pss };
}

// CPU seconds used so far, summed over a program's processes.
function cpuOf(program) {
  let ticks = 0;
  for (const pid of program.pids) {
    const stat = readProc(pid, 'stat');
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS;
}

// ---- load runs -------------------------------------------------------------

// One rs-load run; returns its results document with each program's CPU
// share (in cores) while it ran, and the load generator's own.
async function load(name, args, url = SHOP) {
  const programs = await stackProcesses();
  const before = programs.map(cpuOf);
  childCpu();
  const started = process.hrtime.bigint();
  const json = path.join(OUT, `${name}.json`);
  const html = path.join(OUT, `${name}.html`);
  const child = spawn(RS_LOAD, ['--quiet', '--json', json, '--html', html, ...args, url],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let summary = '';
  child.stdout.on('data', (d) => { summary += d; });
  const code = await new Promise((resolve) => child.on('close', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const self = childCpu();
  if (code !== 0 && code !== 99) throw new Error(`rs-load ${args.join(' ')} exited ${code}`);
  writeFileSync(path.join(OUT, `${name}.txt`), summary);
  const doc = JSON.parse(readFileSync(json, 'utf8'));
  doc.cpu = Object.fromEntries(programs.map((p, i) => [p.name, (cpuOf(p) - before[i]) / seconds]));
  doc.cpu['rs-load'] = self / seconds;
  const t = doc.totals;
  log(`${name}: ${t.requests} requests, ${Math.round(t.rps)} req/s, ${t.errors} errors, ` +
      `p50 ${ms(t.latency_us.p50)} p95 ${ms(t.latency_us.p95)} p99 ${ms(t.latency_us.p99)} ms`);
  return doc;
}

// CPU seconds of the children waited for since the last call: between two
// calls around a load run, rs-load's own (it runs alone).
let childCpuSeen = 0;
function childCpu() {
  const stat = readProc(process.pid, 'stat');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const total = (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  const used = total - childCpuSeen;
  childCpuSeen = total;
  return used;
}

const ms = (us) => (us / 1000).toFixed(2);

// The program that used the most CPU, and how much.
function bottleneck(doc) {
  const [name, cores] = Object.entries(doc.cpu).filter(([n]) => n !== 'rs-load')
    .sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
  return { name, cores };
}

// ---- the suite ---------------------------------------------------------------

// The VUs join over the first 15 s, as the seed's k6 stages bring them in,
// rather than all in the same millisecond: 1000 journeys started at once,
// each thinking exactly 1 s, would stay in lockstep as one burst a second.
async function seedProfile() {
  return load('a-seed-browse-1000vus', ['-s', 'browse', '--think', '1', '--stages', SEED_STAGES,
    '--threshold', 'p95<10ms,errors<1%']);
}

async function peak() {
  const runs = [];
  for (const vus of PEAK_VUS) {
    const web = await sampleMemory('web');
    const doc = await load(`b-peak-browse-${vus}vus`, ['-s', 'browse', '-u', String(vus), '-d', PEAK_DURATION]);
    doc.webMemory = web.stop();
    log(`web at ${vus} connections: RSS up to ${doc.webMemory.rss.toFixed(1)} MiB ` +
        `(VmHWM ${doc.webMemory.hwm.toFixed(1)} MiB)`);
    runs.push({ vus, doc });
  }
  return runs;
}

// Samples a program's RSS every 200 ms until stop(), which returns the
// highest sample and its VmHWM then (the peak of its whole life), in MiB.
async function sampleMemory(name) {
  const program = (await stackProcesses()).find((p) => p.name === name);
  let rss = 0;
  const sample = () => { if (program) rss = Math.max(rss, memoryOf(program).rss); };
  const timer = setInterval(sample, 200);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rss, hwm: program ? memoryOf(program).peak : 0 };
    },
  };
}

function peakTable(runs) {
  const L = ['| connections | requests | req/s | errors | p50 ms | p95 ms | p99 ms | web RSS MiB (VmHWM) | CPU (cores) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|'];
  for (const { vus, doc } of runs) {
    const t = doc.totals;
    const cpu = Object.entries(doc.cpu).sort((a, b) => b[1] - a[1]).slice(0, 5)
      .map(([n, c]) => `${n} ${(c * 100).toFixed(0)}%`).join(', ');
    L.push(`| ${vus} | ${t.requests} | ${t.rps.toFixed(0)} | ${t.errors} | ${ms(t.latency_us.p50)} | ` +
      `${ms(t.latency_us.p95)} | ${ms(t.latency_us.p99)} | ${doc.webMemory.rss.toFixed(1)} ` +
      `(${doc.webMemory.hwm.toFixed(1)}) | ${cpu} |`);
  }
  const top = runs.find((r) => r.vus === 1000)?.doc;
  if (top) {
    const rate = top.totals.rps >= 25000 && top.totals.errors === 0;
    L.push('', `Goals at 1000 connections: 25,000 req/s with no errors: ${rate ? 'met' : 'missed'} ` +
      `(${top.totals.rps.toFixed(0)} req/s, ${top.totals.errors} errors); web RSS at most 40 MiB: ` +
      `${top.webMemory.rss <= 40 ? 'met' : 'missed'} (${top.webMemory.rss.toFixed(1)} MiB).`);
  }
  return L.join('\n') + '\n';
}

async function checkoutLadder() {
  const steps = [];
  for (const rate of CHECKOUT_RATES) {
    const doc = await load(`c-checkout-${rate}per-s`, ['-s', 'checkout', '--rate', String(rate), '-d', STEP_DURATION]);
    const held = doc.totals.latency_us.p99 <= CHECKOUT_P99_LIMIT_US && doc.totals.errors === 0 &&
      doc.journeys.dropped === 0;
    steps.push({ rate, held, doc });
    if (!held) break;
  }
  return steps;
}

// (f) While 200 clients flood the storefront with wrong-password logins:
// user's /check (50 a second, through the gateway) and whole checkouts
// (10 a second), each timed on its own. The flood's answers are counted.
const FLOOD_CLIENTS = 200;
const FLOOD_DURATION = QUICK ? '5s' : '20s';

async function loginFlood() {
  const flood = spawn(process.execPath, [path.join(ROOT, 'bench/login-flood.mjs'), SHOP, String(FLOOD_CLIENTS)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  flood.stdout.on('data', (d) => { out += d; });
  const ended = new Promise((resolve) => flood.on('close', resolve));
  try {
    await new Promise((r) => setTimeout(r, 2000));   // the flood under way
    const check = await load('f-flood-check', ['-s', 'get', '--rate', '50', '-d', FLOOD_DURATION],
      `${SHOP}/api/user/check/stan`);
    const checkout = await load('f-flood-checkout', ['-s', 'checkout', '--rate', '10', '-d', FLOOD_DURATION]);
    return { check, checkout, clients: FLOOD_CLIENTS };
  } finally {
    flood.kill('SIGTERM');
    await ended;
    log(`login flood answers: ${out.trim()}`);
  }
}

function floodTable(f) {
  const row = (what, doc, lat) => `| ${what} | ${doc.totals.requests.toLocaleString('en')} | ` +
    `${doc.totals.errors} | ${ms(lat.p50)} | ${ms(lat.p95)} | ${ms(lat.p99)} |`;
  return ['| while 200 clients flood /login | requests | errors | p50 ms | p95 ms | p99 ms |',
    '|---|---:|---:|---:|---:|---:|',
    row('GET /api/user/check/stan, 50/s', f.check, f.check.totals.latency_us),
    row('a whole checkout (16 requests), 10/s', f.checkout, f.checkout.journeys.duration_us),
    ''].join('\n');
}

async function microbenchmarks() {
  const env = { ...process.env, BUILD_DIR, BENCH_OUT: path.join(OUT, 'micro') };
  if (QUICK) Object.assign(env, { BENCH_DURATION: '2s', BENCH_ROUNDS: '1' });
  const child = spawn(path.join(ROOT, 'bench/run'), ['catalogue', 'cart', 'web', 'agreement'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; process.stderr.write(d); });
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`bench/run exited ${code}`);
  return out;
}

function memoryTable(idle, peakMemory) {
  const rows = idle.map((m) => {
    const p = peakMemory.find((x) => x.name === m.name) ?? { peak: m.rss, pss: m.pss };
    return { name: m.name, idle: m.rss, peak: p.peak, idlePss: m.pss, afterPss: p.pss };
  });
  const services = rows.filter((r) => SERVICE_NAMES.has(r.name.replace(/-\d+$/, '')));
  const sum = (list, key) => list.reduce((s, r) => s + r[key], 0);
  return {
    rows,
    services: { idle: sum(services, 'idle'), peak: sum(services, 'peak'), idlePss: sum(services, 'idlePss'), afterPss: sum(services, 'afterPss') },
    everything: { idle: sum(rows, 'idle'), peak: sum(rows, 'peak'), idlePss: sum(rows, 'idlePss'), afterPss: sum(rows, 'afterPss') },
  };
}

const SERVICE_NAMES = new Set(['web', 'catalogue', 'user', 'cart', 'shipping', 'ratings', 'payment', 'dispatch']);

function markdown(s) {
  const L = [];
  const lat = (d) => `${ms(d.totals.latency_us.p50)} | ${ms(d.totals.latency_us.p95)} | ${ms(d.totals.latency_us.p99)}`;
  const cpuLine = (d) => Object.entries(d.cpu).sort((a, b) => b[1] - a[1]).slice(0, 4)
    .map(([n, c]) => `${n} ${(c * 100).toFixed(0)}%`).join(', ');
  L.push(`# Benchmark results ${s.started}`, '');
  L.push(`${s.machine}. The shop as \`make run\` starts it (one replica each, access logs off),`,
    `loaded by rs-load on the same machine. Command: \`${s.command}\`.`, '');
  L.push('## (a) Seed profile: 1000 VUs browse, 1 s think', '');
  L.push('| duration | requests | req/s | errors | p50 ms | p95 ms | p99 ms | goal p95 < 10 ms |', '|---|---:|---:|---:|---:|---:|---:|---|');
  const a = s.seed;
  L.push(`| ${a.duration_s.toFixed(0)} s | ${a.totals.requests} | ${a.totals.rps.toFixed(0)} | ${a.totals.errors} | ${lat(a)} | ${a.totals.latency_us.p95 < 10000 ? 'met' : 'missed'} |`, '');
  L.push('## (b) Peak: browse with no think time', '');
  L.push(peakTable(s.peak));
  if (s.peak.some((p) => p.vus === 1000))
    L.push(`Bottleneck (most CPU at 1000 connections): ${s.bottleneck.name}, ${(s.bottleneck.cores * 100).toFixed(0)}% of a core.`);
  L.push('', '## (c) Checkout at fixed open-loop rates', '');
  L.push('| journeys/s | requests/s | errors | dropped | p50 ms | p95 ms | p99 ms | held (p99 ≤ 100 ms, no errors) | CPU (cores) |', '|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const { rate, held, doc } of s.checkout) {
    L.push(`| ${rate} | ${doc.totals.rps.toFixed(0)} | ${doc.totals.errors} | ${doc.journeys.dropped} | ${lat(doc)} | ${held ? 'yes' : 'no'} | ${cpuLine(doc)} |`);
  }
  L.push('', `Highest rate held: ${s.checkoutRate} checkouts a second.`);
  const failed = s.checkout.find((c) => !c.held);
  if (failed) {
    const named = failed.doc.errors.map((e) => `${e.count} × ${e.error} (${e.step})`).join('; ');
    L.push(`At ${failed.rate} a second: p99 ${ms(failed.doc.totals.latency_us.p99)} ms` +
      `${named ? `; errors: ${named}` : ''}${failed.doc.journeys.dropped ? `; ${failed.doc.journeys.dropped} journeys dropped` : ''}.`);
  }
  L.push('');
  const m = s.memory;
  const f = (v) => v.toFixed(1);
  L.push('## (d) Memory (MiB)', '');
  L.push('RSS idle is before any load (after a 10 s warm-up); RSS peak is the highest RSS each process reached (VmHWM).',
    'PSS counts a page shared by several processes (the same libraries in all eight services) once, split among them.', '');
  L.push('| process | RSS idle | RSS peak | PSS idle | PSS after the load |', '|---|---:|---:|---:|---:|');
  for (const r of m.rows) L.push(`| ${r.name} | ${f(r.idle)} | ${f(r.peak)} | ${f(r.idlePss)} | ${f(r.afterPss)} |`);
  L.push(`| **the eight services** | **${f(m.services.idle)}** | **${f(m.services.peak)}** | **${f(m.services.idlePss)}** | **${f(m.services.afterPss)}** |`);
  L.push(`| everything, datastores included | ${f(m.everything.idle)} | ${f(m.everything.peak)} | ${f(m.everything.idlePss)} | ${f(m.everything.afterPss)} |`, '');
  L.push(`Goals for the eight services: under 64 MiB idle: RSS ${m.services.idle < 64 ? 'met' : 'missed'}, PSS ${m.services.idlePss < 64 ? 'met' : 'missed'}; ` +
    `under 160 MiB at peak: RSS ${m.services.peak < 160 ? 'met' : 'missed'}.`, '');
  L.push('## (e) Microbenchmarks and the rs-load/wrk agreement (bench/run)', '', s.micro.trim(), '');
  L.push('## (f) A login flood', '', floodTable(s.flood));
  const p95s = [s.flood.check.totals.latency_us.p95, s.flood.checkout.journeys.duration_us.p95];
  L.push(`Goal (p95 of /check and of a whole checkout under 20 ms): ${p95s.every((v) => v < 20000) ? 'met' : 'missed'}.`, '');
  return L.join('\n');
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const started = new Date().toISOString();
  log(`results in ${path.relative(ROOT, OUT)}; starting a fresh shop in ${stackDir}`);
  try {
    await run(path.join(ROOT, 'scripts/stack'), ['run'], { env: stackEnv, timeout: 600000 });
    await load('warm-up', ['-s', 'mix', '-u', '16', '-d', QUICK ? '3s' : '10s']);
    if (process.env.BENCH_CASE === 'peak') {
      const md = `${cpus().length} cores, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} ` +
        `before the runs\n\n${peakTable(await peak())}`;
      writeFileSync(path.join(OUT, 'README.md'), md);
      process.stdout.write(`${md}\nresults: ${path.relative(ROOT, OUT)}\n`);
      return;
    }
    if (process.env.BENCH_CASE === 'flood') {
      const md = floodTable(await loginFlood());
      writeFileSync(path.join(OUT, 'README.md'), md);
      process.stdout.write(`${md}\nresults: ${path.relative(ROOT, OUT)}\n`);
      return;
    }
    // Idle: the warm-up's connections closed, the user service's password
    // hashing memory given back (3 s after the last sign-in).
    await new Promise((r) => setTimeout(r, 6000));
    const idle = (await stackProcesses()).map((p) => ({ name: p.name, ...memoryOf(p) }));
    const seed = await seedProfile();
    const peakRuns = await peak();
    const checkout = await checkoutLadder();
    const flood = await loginFlood();
    const peakMemory = (await stackProcesses()).map((p) => ({ name: p.name, ...memoryOf(p) }));
    const held = checkout.filter((c) => c.held);
    const summary = {
      started,
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`,
      command: QUICK ? 'BENCH_QUICK=1 make bench' : 'make bench',
      seed,
      peak: peakRuns,
      bottleneck: bottleneck(peakRuns[peakRuns.length - 1].doc),
      checkout,
      checkoutRate: held.length ? held[held.length - 1].rate : 0,
      flood,
      memory: memoryTable(idle, peakMemory),
    };
    await run(path.join(ROOT, 'scripts/stack'), ['stop'], { env: stackEnv });
    summary.micro = await microbenchmarks();
    const brief = {
      ...summary,
      seed: summary.seed.totals,
      peak: summary.peak.map(({ vus, doc }) => ({ vus, totals: doc.totals, journeys: doc.journeys, cpu: doc.cpu, webMemory: doc.webMemory })),
      checkout: summary.checkout.map(({ rate, held: ok, doc }) => ({ rate, held: ok, totals: doc.totals, journeys: doc.journeys, cpu: doc.cpu })),
      flood: { check: flood.check.totals, checkout: flood.checkout.journeys, cpu: flood.checkout.cpu },
    };
    writeFileSync(path.join(OUT, 'summary.json'), JSON.stringify(brief, null, 2));
    const md = markdown(summary);
    writeFileSync(path.join(OUT, 'README.md'), md);
    process.stdout.write(`${md}\nresults: ${path.relative(ROOT, OUT)}\n`);
  } finally {
    await run(path.join(ROOT, 'scripts/stack'), ['stop'], { env: stackEnv }).catch(() => {});
    rmSync(stackDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${e.stack ?? e}\n`);
  process.exit(1);
});
