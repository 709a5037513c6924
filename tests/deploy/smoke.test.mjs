// smoke.test.mjs - the container smoke run: the dev overlay's workloads, as
// rendered by `kubectl kustomize`, run as pods under podman (`kube play`)
// with the shop's own images (make images), then a shopper's journey
// through the web pod on 127.0.0.1. The only image substitution is the one
// a user makes to point at a registry, an `images:` list in a kustomization
// over the overlay: the shop's images at this tree's tag, and the local
// stand-ins (deploy/images/{redis,mariadb,rabbitmq}) for the official
// datastore images, which no registry here can serve.
//
// How Services resolve: podman skips Services. The pods share one podman
// network with DNS (aardvark-dns), and each pod joins it with an alias per
// Service that selects it (`--network net:alias=<service>`), so `mysql`,
// `cart`, ... resolve to the pods' addresses, as the Services' names do in a
// cluster (by DNS, round-robin over replicas, not through a virtual IP).
// Readiness: podman runs probes only as systemd timers, absent here; the
// runner performs each container's readinessProbe itself (httpGet and
// tcpSocket through the port published on 127.0.0.1, exec with podman exec).
// See tests/deploy/lib/pods.mjs for what is adapted for podman, and why.
//
// Every pod, volume, secret and network the run makes is removed at the
// end, also when it fails; a run that was killed leaves a list in its lock
// folder, and the next run removes what it names first.
// Runs with the plain build only (make test; images hold build/'s binaries).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { REPO, render } from './lib/kube.mjs';
import { playable, probePort, secretData, byKind, WORKLOAD_KINDS } from './lib/pods.mjs';

const OVERLAY = path.join(REPO, 'deploy/kubernetes/overlays/dev');
const NETWORK = 'robot-shop-smoke';
const LOCK = path.join(os.tmpdir(), 'robot-shop-smoke.lock');
const SERVICES = ['web', 'catalogue', 'user', 'cart', 'shipping', 'ratings', 'payment', 'dispatch'];
const STANDIN_FOR = { redis: 'docker.io/library/redis', mariadb: 'docker.io/library/mariadb', rabbitmq: 'docker.io/library/rabbitmq' };
const READY_TIMEOUT_MS = Number(process.env.SMOKE_READY_TIMEOUT_S ?? 180) * 1000;
const skip = (process.env.BUILD_DIR ?? 'build') !== 'build'
  ? `the images hold build/'s binaries; run with the plain build (make test), not ${process.env.BUILD_DIR}` : false;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function run(cmd, args, { input, allowFail = false, timeout = 600000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 && !allowFail) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr.trim()}`));
      else resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

const podman = (...args) => run('podman', args);

// ---- what the run made, so that it can be removed ----

// Each resource is written to the lock folder's list before it is made.
function record(kind, name) {
  appendFileSync(path.join(LOCK, 'made'), `${kind} ${name}\n`);
}

// Removes what a list names, pods first; synchronous, so that it also runs
// from a signal handler.
function removeRecorded(dir) {
  const file = path.join(dir, 'made');
  if (!existsSync(file)) return;
  const made = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
  const names = (kind) => made.filter(([k]) => k === kind).map(([, name]) => name);
  const podmanSync = (...args) => spawnSync('podman', args, { stdio: 'ignore', timeout: 120000 });
  // All pods in one stop, which podman runs in parallel (SIGTERM, SIGKILL
  // after 10 s), then removed; `pod rm -f` alone stops them one by one.
  if (names('pod').length) {
    podmanSync('pod', 'stop', '-t', '10', ...names('pod'));
    podmanSync('pod', 'rm', '-f', ...names('pod'));
  }
  for (const v of names('volume')) podmanSync('volume', 'rm', '-f', v);
  for (const s of names('secret')) podmanSync('secret', 'rm', s);
  for (const n of names('network')) podmanSync('network', 'rm', '-f', n);
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

// One smoke run at a time on a machine: the pods' names come from the
// manifests. A lock left by a run that died is taken over, and what it made
// removed.
function takeLock() {
  try {
    mkdirSync(LOCK);
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    const pid = Number(readFileSync(path.join(LOCK, 'pid'), 'utf8').trim() || 0);
    if (pid && alive(pid)) throw new Error(`another smoke run (pid ${pid}) holds ${LOCK}`);
    removeRecorded(LOCK);
    rmSync(LOCK, { recursive: true, force: true });
    mkdirSync(LOCK);
  }
  writeFileSync(path.join(LOCK, 'pid'), `${process.pid}\n`);
}

function teardown() {
  if (!existsSync(path.join(LOCK, 'pid'))) return;
  if (Number(readFileSync(path.join(LOCK, 'pid'), 'utf8')) !== process.pid) return;
  removeRecorded(LOCK);
  rmSync(LOCK, { recursive: true, force: true });
}

// The run's own folder (the files given to kube play).
let dir;

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}

// ---- building, rendering, playing ----

async function buildImages() {
  const tag = (await run('scripts/images', ['tag'])).stdout.trim();
  await run('scripts/images', ['services']);
  const standins = {};
  for (const line of (await run('scripts/images', ['standins'])).stdout.trim().split('\n')) {
    const [name, image] = line.split(' ');
    standins[name] = image;
  }
  return { tag, standins };
}

// The overlay with the images pointed at the local ones, as a user points
// them at a registry.
function renderWithImages(dir, { tag, standins }) {
  const images = SERVICES.map((s) => ({ name: `robot-shop/${s}`, newName: `localhost/robot-shop/${s}`, newTag: tag }));
  for (const [name, image] of Object.entries(standins)) {
    const at = image.lastIndexOf(':');
    images.push({ name: STANDIN_FOR[name], newName: image.slice(0, at), newTag: image.slice(at + 1) });
  }
  const kdir = path.join(dir, 'kustomization');
  mkdirSync(kdir);
  writeFileSync(path.join(kdir, 'kustomization.yaml'), YAML.stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization',
    resources: [path.relative(kdir, OVERLAY)], images,
  }));
  return render(kdir);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

async function play(dir, unit) {
  const file = path.join(dir, `${unit.name}.yaml`);
  writeFileSync(file, unit.documents.map((d) => YAML.stringify(d)).join('---\n'));
  for (const v of unit.volumes) record('volume', v);
  for (let i = 0; i < unit.replicas; i++) record('pod', `${unit.name}-pod-${i}`);
  const network = unit.aliases.length ? `${NETWORK}:${unit.aliases.map((a) => `alias=${a}`).join(',')}` : NETWORK;
  await podman('kube', 'play', '--quiet', '--network', network, file);
}

// ---- readiness, as the kubelet would probe ----

async function probeOnce({ probe, hostPort }, containerName) {
  if (probe.httpGet) {
    const res = await fetch(`http://127.0.0.1:${hostPort}${probe.httpGet.path ?? '/'}`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 400;
  }
  if (probe.tcpSocket) {
    return new Promise((resolve) => {
      const s = net.connect(hostPort, '127.0.0.1');
      s.setTimeout(2000, () => { s.destroy(); resolve(false); });
      s.on('connect', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
  }
  if (probe.exec) {
    const r = await run('podman', ['exec', containerName, ...probe.exec.command], { allowFail: true, timeout: 10000 });
    return r.code === 0;
  }
  throw new Error(`unsupported probe ${JSON.stringify(probe)}`);
}

async function waitReady(unit) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let i = 0; i < unit.replicas; i++) {
    for (const p of unit.probes) {
      if (!p.probe) continue;
      const container = `${unit.name}-pod-${i}-${p.container}`;
      for (;;) {
        if (await probeOnce(p, container).catch(() => false)) break;
        const state = (await run('podman', ['inspect', '--format', '{{.State.Status}}', container], { allowFail: true })).stdout.trim();
        if (state !== 'running') {
          const logs = (await run('podman', ['logs', '--tail', '20', container], { allowFail: true }));
          throw new Error(`${container} is ${state || 'missing'}:\n${logs.stdout}${logs.stderr}`);
        }
        if (Date.now() > deadline) {
          const logs = (await run('podman', ['logs', '--tail', '20', container], { allowFail: true }));
          throw new Error(`${container}: not ready within ${READY_TIMEOUT_MS / 1000} s; its last lines:\n${logs.stdout}${logs.stderr}`);
        }
        await sleep(500);
      }
    }
  }
}

// ---- the run ----

describe('the dev overlay under podman', { skip }, () => {
  const started = Date.now();
  let units, webPort;
  const ports = new Map();
  // Each datastore's credentials, decoded: {mysql: {'monitoring-password': …}, …}.
  const credentials = {};

  before(async () => {
    takeLock();
    dir = mkdtempSync(path.join(os.tmpdir(), 'robot-shop-smoke-'));
    const images = await buildImages();
    console.log(`# images built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const objects = renderWithImages(dir, images);
    for (const w of objects.filter((o) => WORKLOAD_KINDS.has(o.kind))) {
      for (const c of w.spec.template.spec.containers) {
        const port = probePort(c.readinessProbe, c);
        if (port !== undefined) ports.set(`${w.metadata.name}/${c.name}/${port}`, await freePort());
      }
    }
    units = objects.filter((o) => WORKLOAD_KINDS.has(o.kind))
      .map((w) => playable(w, objects, (wl, c, port) => ports.get(`${wl.metadata.name}/${c.name}/${port}`)));
    record('network', NETWORK);
    await podman('network', 'create', NETWORK);
    for (const s of byKind(objects, 'Secret')) {
      const store = s.metadata.name.replace(/-credentials-[245-9bcdfghkmt]{10}$/, '');
      credentials[store] = Object.fromEntries(Object.entries(secretData(s)).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
      record('secret', s.metadata.name);
      // From a file in the run's own folder (mode 0700), removed at once:
      // podman takes "-" only from a named pipe, not from node's socket.
      const file = path.join(dir, 'secret.json');
      writeFileSync(file, JSON.stringify(secretData(s)), { mode: 0o600 });
      try {
        await podman('secret', 'create', s.metadata.name, file);
      } finally {
        rmSync(file, { force: true });
      }
    }
    // Datastores first, as in a cluster they would be ready first; the
    // services wait for them through their own /ready either way.
    units.sort((a, b) => (a.kind === 'StatefulSet' ? 0 : 1) - (b.kind === 'StatefulSet' ? 0 : 1));
    for (const u of units) await play(dir, u);
    console.log(`# pods created at ${((Date.now() - started) / 1000).toFixed(0)} s`);
    webPort = units.find((u) => u.name === 'web').probes[0].hostPort;
  });

  after(() => {
    const stopping = Date.now();
    // SMOKE_KEEP=1 leaves the pods up to look into; the next run removes them.
    if (process.env.SMOKE_KEEP !== '1') teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`# removed in ${((Date.now() - stopping) / 1000).toFixed(0)} s`);
    console.log(`# smoke run: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });

  test('every workload of the overlay is a pod', () => {
    const names = units.map((u) => u.name).sort();
    assert.deepEqual(names, [...SERVICES, 'mysql', 'rabbitmq', 'redis'].sort());
  });

  test('every container passes its readiness probe', async () => {
    await Promise.all(units.map((u) => waitReady(u)));
  });

  // What the monitoring component's exporters sign in as: made by the init
  // script (MariaDB) and the server's arguments (Redis) at the pods' first
  // start. They read the servers' status, and none of the shop's data.
  test('the datastores\' monitoring users read status, never the shop\'s data', async () => {
    const mariadb = (sql) => run('podman', ['exec', 'mysql-pod-0-mysql', 'mariadb', '--protocol=tcp', '-h127.0.0.1', '-umonitoring',
      `-p${credentials.mysql['monitoring-password']}`, '-N', '-e', sql], { allowFail: true, timeout: 20000 });
    for (const sql of ['SHOW GLOBAL STATUS LIKE \'Uptime\'', 'SHOW PROCESSLIST', 'SHOW SLAVE STATUS', 'SELECT COUNT(*) FROM performance_schema.global_status']) {
      const r = await mariadb(sql);
      assert.equal(r.code, 0, `${sql}: ${r.stderr}`);
    }
    for (const sql of ['SELECT * FROM cities.cities LIMIT 1', 'SELECT * FROM ratings.ratings LIMIT 1', 'CREATE DATABASE x']) {
      const r = await mariadb(sql);
      assert.notEqual(r.code, 0, `${sql} was allowed`);
      assert.match(r.stderr, /denied/i, sql);
    }
    // MariaDB answers SHOW TABLES to anyone, listing only what they may read.
    assert.equal((await mariadb('SHOW TABLES FROM cities')).stdout, '');
    assert.match((await mariadb('SELECT CURRENT_USER()')).stdout, /^monitoring@127\.0\.0\.1$/m);

    const redis = (...args) => run('podman', ['exec', 'redis-pod-0-redis', 'redis-cli', '--no-auth-warning', '--user', 'monitoring',
      '--pass', credentials.redis['monitoring-password'], ...args], { allowFail: true, timeout: 20000 });
    assert.match((await redis('INFO', 'server')).stdout, /redis_version:/);
    assert.match((await redis('CONFIG', 'GET', 'maxmemory')).stdout, /maxmemory/);
    assert.equal((await redis('PING')).stdout.trim(), 'PONG');
    for (const command of [['GET', 'anything'], ['KEYS', '*'], ['CONFIG', 'SET', 'maxmemory', '1'], ['FLUSHALL']]) {
      assert.match((await redis(...command)).stdout + (await redis(...command)).stderr, /NOPERM/, command.join(' '));
    }
  });

  test("a shopper's journey through the web pod", async () => {
    const base = `http://127.0.0.1:${webPort}`;
    const call = async (p, init = {}) => {
      const res = await fetch(base + p, { ...init, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10000) });
      const text = await res.text();
      assert.ok(res.ok, `${init.method ?? 'GET'} ${p}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    };
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);

    const products = await call('/api/catalogue/products');
    assert.ok(products.length > 0);
    const product = products.find((p) => p.instock > 0) ?? products[0];
    assert.equal((await call(`/api/catalogue/product/${product.sku}`)).sku, product.sku);

    const { uuid: id } = await call('/api/user/uniqueid');
    assert.ok(id);
    const cart = await call(`/api/cart/add/${id}/${product.sku}/1`);
    assert.equal(cart.items.length, 1);

    const codes = await call('/api/shipping/codes');
    const gb = codes.find((c) => c.code.toUpperCase() === 'GB') ?? codes[0];
    const cities = await call(`/api/shipping/match/${gb.code}/lon`);
    assert.ok(cities.length > 0, `no city of ${gb.code} matches "lon"`);
    const quote = await call(`/api/shipping/calc/${cities[0].uuid}`);
    assert.ok(quote.cost > 0);
    const withShipping = await call(`/api/shipping/confirm/${id}`, {
      method: 'POST', body: JSON.stringify({ distance: quote.distance, cost: quote.cost, location: `${cities[0].name}, ${gb.name}` }),
    });

    const paid = await call(`/api/payment/pay/${id}`, { method: 'POST', body: JSON.stringify(withShipping) });
    assert.ok(paid.orderid, JSON.stringify(paid));

    const deadline = Date.now() + 20000;
    for (;;) {
      const logs = await run('podman', ['logs', 'dispatch-pod-0-dispatch']);
      if ((logs.stdout + logs.stderr).includes(`order ${paid.orderid} dispatched`)) break;
      assert.ok(Date.now() < deadline, `order ${paid.orderid} not in dispatch's log`);
      await sleep(500);
    }
  });
});
