// service.mjs - runs one of the shop's service binaries for a black-box test:
// on a free loopback port, with its own environment and temp directory,
// its JSON log lines kept for assertions, and a stop that reports the exit.
// Every answer a test receives through Service.fetch (and so call()) is
// checked against the API description in docs/ (contract.mjs): a status,
// header or body the spec does not describe fails the test.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAnswer, checkGatewayAnswer, serviceSpecFile } from './contract.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUILD_DIR = path.resolve(ROOT, process.env.BUILD_DIR ?? 'build');

export function binary(service) {
  return path.join(BUILD_DIR, 'src', service, service);
}

export function tempDir(prefix = 'rs-test-') {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A running service. `logs` holds every parsed JSON line of its stdout,
// `stderr` its raw standard error.
export class Service {
  constructor(name, child, port) {
    this.name = name;
    this.child = child;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.logs = [];
    this.stderr = '';
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          this.logs.push(JSON.parse(line));
        } catch {
          this.logs.push({ unparsed: line });
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { this.stderr += chunk; });
  }

  async fetch(pathname, init) {
    const res = await fetch(this.url + pathname, init);
    await checkContract(this, pathname, init, res);
    return res;
  }

  // Stops the service; rejects if a sanitizer reported a fault in it
  // (so the test that made the fault fails, in its after hook at the latest).
  async stop(signal = 'SIGTERM') {
    if (this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill(signal);
    const exit = await this.exited;
    const report = sanitizerReport(this.stderr);
    if (report) throw new Error(`${this.name}: sanitizer report:\n${report}`);
    return exit;
  }
}

// The services started by this process, by URL: an upstream of a gateway
// under test is either one of them (its answers are checked through the
// gateway too) or a stand-in.
const running = new Map();

// The environment of the service behind web's upstream, or null for a stand-in.
function upstreamEnv(web, service) {
  const urls = (web.env?.[`${service.toUpperCase()}_URL`] ?? '').split(',')
    .map((u) => u.trim().replace(/\/+$/, ''));
  const found = urls.map((u) => running.get(u));
  return found.every((s) => s?.name === service) ? found[0].env : null;
}

// Every answer that broke the spec, also when a test caught the error:
// the test file's process then exits 1, naming them.
const violations = [];
process.on('exit', () => {
  if (violations.length === 0) return;
  process.stderr.write(`${violations.length} answers broke the API description:\n` +
                       `${violations.slice(0, 20).join('\n')}\n`);
  process.exitCode = 1;
});

// Throws when the answer is not one the spec describes for that route.
export async function checkContract(svc, pathname, init = {}, res) {
  const sent = new URL(svc.url + pathname);   // as fetch sent it: dot segments resolved
  const req = { method: (init?.method ?? 'GET').toUpperCase(), path: sent.pathname + sent.search,
                body: typeof init?.body === 'string' ? init.body : undefined };
  const text = await res.clone().text();
  const answer = { status: res.status, headers: res.headers, text };
  try {
    if (svc.name === 'web')
      checkGatewayAnswer(req, answer, (service) => upstreamEnv(svc, service));
    else
      checkAnswer(serviceSpecFile(svc.name), req, answer, svc.env);
  } catch (e) {
    violations.push(`${svc.name}: ${e.message}`);
    throw e;
  }
}

// Runs a binary to completion (for start-up failures): its exit code and output.
export function runToExit(file, env, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// What a sanitizer build prints when it finds a fault: AddressSanitizer,
// LeakSanitizer, UndefinedBehaviorSanitizer, ThreadSanitizer.
const SANITIZER_REPORT = /^(==\d+==ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|ThreadSanitizer: |.*: runtime error: )/m;

// The first sanitizer report in a process's output, or null.
export function sanitizerReport(text) {
  const m = SANITIZER_REPORT.exec(text);
  return m ? text.slice(m.index, m.index + 4000) : null;
}

// The sanitizers' settings reach every service the tests start.
function sanitizerEnv() {
  const env = {};
  for (const name of ['ASAN_OPTIONS', 'LSAN_OPTIONS', 'UBSAN_OPTIONS', 'TSAN_OPTIONS'])
    if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

// Starts `service` with `env` added to a minimal environment and waits
// until it answers /health. Rejects if it exits or stays silent.
// `wrapper` is a command that execs the binary given as its last argument
// (e.g. ['taskset', '-c', '0']).
export async function startService(service, env = {}, { timeoutMs = 10000, wrapper = [] } = {}) {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const fullEnv = {
    PATH: process.env.PATH,
    ...sanitizerEnv(),
    BIND: '127.0.0.1',
    THREADS: '8',
    SHUTDOWN_GRACE_MS: '5000',
    ...env,
    PORT: String(port),
  };
  const command = [...wrapper, binary(service)];
  const child = spawn(command[0], command.slice(1), { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const svc = new Service(service, child, port);
  svc.env = fullEnv;
  running.set(svc.url, svc);
  svc.exited.then(() => running.delete(svc.url));
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  svc.exited.then((e) => { exited = e; });
  while (Date.now() < deadline) {
    if (exited)
      throw new Error(`${service} exited (${JSON.stringify(exited)}) during start: ${svc.stderr}`);
    try {
      const res = await fetch(`${svc.url}/health`);
      await res.arrayBuffer();
      if (res.status === 200) return svc;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  await svc.stop('SIGKILL');
  throw new Error(`${service} did not answer /health within ${timeoutMs} ms`);
}

// Sends bytes as they are over one TCP connection and collects the raw
// answer until the server closes or `idleMs` passes without data.
export function rawRequest(port, bytes, { idleMs = 500 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    let timer;
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, idleMs);
    };
    sock.on('connect', () => {
      sock.write(bytes);
      arm();
    });
    sock.on('data', (d) => {
      chunks.push(d);
      arm();
    });
    sock.on('end', finish);
    sock.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(e);
    });
  });
}

// Parses Prometheus text into [{name, labels, value}] samples.
// Sends bytes on a new connection, then shuts down its write side (a FIN,
// as `curl` does with a closed stdin or a client that sends and only reads),
// and gathers everything the server sends until it closes, or waitMs.
export function halfClosedRequest(port, bytes, { waitMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks = [];
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(finish, waitMs);
    sock.on('connect', () => sock.end(bytes));
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', finish);
    sock.on('error', finish);
  });
}

export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad metrics line: ${line}`);
    const labels = {};
    if (m[3]) {
      for (const lm of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
        labels[lm[1]] = lm[2];
    }
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return samples;
}

// One request to a service: its status and its body, parsed when it is JSON.
export async function call(svc, pathname, init) {
  const res = await svc.fetch(pathname, init);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

// The value of one sample in Prometheus text: by name and (some) labels; 0 when absent.
export function metricValue(text, name, labels = {}) {
  const s = parseMetrics(text).find((m) => m.name === name &&
    Object.entries(labels).every(([k, v]) => m.labels[k] === v));
  return s ? s.value : 0;
}
