// stack.mjs - a port offset of its own for a whole shop started by
// scripts/stack (STACK_PORT_OFFSET), so that the tests that start one, a
// `make run` beside them, and a second checkout's tests on the same machine
// never fight over a port. An offset is reserved by a lock file naming the
// process that holds it; a lock whose process is gone is taken over.
// startStack() runs such a shop from start to stop.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, removeDir, sanitizerReport, sleep, tempDir } from './service.mjs';

const LOCKS = path.join(tmpdir(), 'robot-shop-stack-offsets');
const MUTEX = `${LOCKS}.mutex`;

// The ports scripts/stack listens on at offset 0, with every stateless
// service's second replica (1000 higher) counted as if REPLICAS=2.
const STORE_PORTS = [16379, 13306, 16672, 16673, 16674, 19090, 19091, 15692];
const SERVICE_PORTS = [8080, 8081, 8082, 8083, 8084, 8085, 8086, 8087];
const BASE_PORTS = [...STORE_PORTS, ...SERVICE_PORTS, ...SERVICE_PORTS.map((p) => p + 1000)];

// Every port stays below 32768, out of the range the kernel hands out to
// outgoing connections. Offset 2000 would put the storefront on 10080,
// a port Chromium refuses (ERR_UNSAFE_PORT).
const CANDIDATES = Array.from({ length: 129 }, (_, i) => 100 * (i + 1)).filter((o) => o !== 2000);

export function stackPorts(offset) {
  return BASE_PORTS.map((p) => p + offset);
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// The offsets reserved by live processes; stale locks are removed.
function reservedOffsets() {
  mkdirSync(LOCKS, { recursive: true });
  const offsets = [];
  for (const name of readdirSync(LOCKS)) {
    const file = path.join(LOCKS, name);
    let pid = 0;
    try { pid = Number(readFileSync(file, 'utf8')); } catch { continue; }
    if (pid && processAlive(pid)) offsets.push(Number(name));
    else rmSync(file, { force: true });
  }
  return offsets;
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function allFree(ports) {
  for (const p of ports) if (!(await portFree(p))) return false;
  return true;
}

// Runs fn with the selection mutex held (a directory: mkdir is atomic).
async function withMutex(fn) {
  for (let i = 0; ; i++) {
    try {
      mkdirSync(MUTEX);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (i === 200) rmdirSync(MUTEX); // held for 10 s: its holder died
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmdirSync(MUTEX);
  }
}

// Reserves an offset whose ports are all free and clash with no other
// reservation's. Returns { offset, release }; release() is idempotent, and
// a process that dies without calling it frees its offset all the same.
export async function reserveStackOffset() {
  return withMutex(async () => {
    const taken = new Set(reservedOffsets().flatMap(stackPorts));
    const start = Math.floor(Math.random() * CANDIDATES.length);
    for (let i = 0; i < CANDIDATES.length; i++) {
      const offset = CANDIDATES[(start + i) % CANDIDATES.length];
      const ports = stackPorts(offset);
      if (ports.some((p) => taken.has(p)) || !(await allFree(ports))) continue;
      const file = path.join(LOCKS, String(offset));
      writeFileSync(file, String(process.pid));
      return { offset, release: () => rmSync(file, { force: true }) };
    }
    throw new Error('no free port offset for a stack');
  });
}

const STACK_SCRIPT = path.join(ROOT, 'scripts/stack');

// The environment scripts/stack runs in for a shop in stackDir on offset
// (and `extraEnv` for the shop's programs); supervisorctl takes it too.
export function stackEnv(stackDir, offset, extraEnv = {}) {
  return { ...process.env, ...extraEnv, STACK_DIR: stackDir, STACK_PORT_OFFSET: String(offset) };
}

// scripts/stack (or `script` in its place) with its own directory and port
// offset: stack('run'), stack('stop'). A failure carries what the script
// printed, both streams; a stop also fails on a sanitizer report in any of
// the shop's logs.
function stackCommand(stackDir, offset, extraEnv = {}, script = STACK_SCRIPT) {
  const env = stackEnv(stackDir, offset, extraEnv);
  const run = (command) => new Promise((resolve, reject) => {
    execFile(script, [command], { env, timeout: 300000 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      reject(new Error(`scripts/stack ${command} failed (${err.code ?? err.signal}):\n${stdout}${stderr}`));
    });
  });
  return async (command) => {
    const result = await run(command);
    if (command === 'stop') checkLogs(path.join(stackDir, 'logs'));
    return result;
  };
}

// A whole shop of its own: an offset reserved, a temporary directory named
// from prefix, scripts/stack run there with extraEnv. Gives the offset, the
// directory, the environment, the storefront's url, port(base) and
// urlAt(base) for the port a program listens on at offset 0, and stop().
// stop() fails when scripts/stack stop does or when the shop's logs hold a
// sanitizer report, and whatever happens it removes the directory and
// releases the offset; it runs once, a second call answers the same. When
// the shop does not start, startStack cleans up the same way and fails.
export async function startStack(prefix, extraEnv = {}, { script = STACK_SCRIPT } = {}) {
  const { offset, release } = await reserveStackOffset();
  let dir;
  try {
    dir = tempDir(prefix);
  } catch (err) {
    release();
    throw err;
  }
  const command = stackCommand(dir, offset, extraEnv, script);
  let stopping = null;
  const stop = () => (stopping ??= (async () => {
    try {
      await command('stop');
    } finally {
      removeDir(dir);
      release();
    }
  })());
  try {
    await command('run');
  } catch (err) {
    await stop().catch((stopErr) => { err.message += `\nand stopping it: ${stopErr.message}`; });
    throw err;
  }
  const port = (base) => base + offset;
  const urlAt = (base) => `http://127.0.0.1:${port(base)}`;
  return { offset, dir, env: stackEnv(dir, offset, extraEnv), url: urlAt(8080), port, urlAt, stop };
}

// After a stop: a sanitizer report in any program's log fails the test.
function checkLogs(dir) {
  let names = [];
  try { names = readdirSync(dir); } catch { return; }
  for (const name of names.filter((n) => n.endsWith('.log'))) {
    const report = sanitizerReport(readFileSync(path.join(dir, name), 'utf8'));
    if (report) throw new Error(`${name}: sanitizer report:\n${report}`);
  }
}
