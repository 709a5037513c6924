// slowclients.test.mjs - slow clients cannot starve the gateway: with
// thousands of connections that send a header line every few seconds
// attached (slowloris), normal requests are still answered at once. The
// runtime's three defences, each on its own: the cap per client address,
// shedding the connections that have waited longest when the server is
// full, and (in http.test.mjs) the absolute deadline for a request's
// headers. Loopback only, bounded counts, every socket closed at the end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { freePort, removeDir, sleep, startService, tempDir } from './lib/service.mjs';

// Raises this process's open-files limit (the services it starts inherit
// it): the number it now has.
function raiseFileLimit(wanted) {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line.split(/\s+/).slice(3, 5).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  if (soft >= wanted) return soft;
  const target = Math.min(wanted, hard);
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${hard === Infinity ? 'unlimited' : hard}`]);
    return target;
  } catch {
    return soft;
  }
}

// n connections from `from` that start a request and then send one more
// header line every `everyMs`, never finishing it. closedByServer counts
// the ones the server closed.
async function slowClients(port, n, from, everyMs) {
  const pack = { sockets: [], closedByServer: 0, timers: [] };
  for (let i = 0; i < n; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 200); j++) {
      batch.push(new Promise((resolve) => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
        s.on('error', () => {});
        s.on('close', () => { if (!s.destroyedByUs) pack.closedByServer++; });
        s.on('connect', () => {
          s.write('GET /api/catalogue/slowly HTTP/1.1\r\nHost: shop\r\n');
          resolve();
        });
        setTimeout(resolve, 2000);   /* not accepted in time: counted by its close, if any */
        pack.sockets.push(s);
      }));
    }
    await Promise.all(batch);
  }
  pack.timers.push(setInterval(() => {
    for (const s of pack.sockets) if (!s.destroyed) s.write('X-Slow: 1\r\n');
  }, everyMs));
  pack.open = () => pack.sockets.filter((s) => !s.destroyed).length;
  pack.end = () => {
    pack.timers.forEach(clearInterval);
    for (const s of pack.sockets) {
      s.destroyedByUs = true;
      s.destroy();
    }
  };
  return pack;
}

// One GET from a given local address on a fresh connection: status and time.
function getFrom(port, path, from) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path, localAddress: from, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`${path} from ${from}: no answer in 5 s`)));
    req.on('error', reject);
  });
}

// Normal requests, from each address in turn, for `forMs`: every answer's
// status and latency.
async function normalTraffic(port, froms, forMs) {
  const answers = [];
  const end = performance.now() + forMs;
  for (let i = 0; performance.now() < end; i++) {
    const from = froms[i % froms.length];
    const path = i % 2 ? '/health' : '/api/catalogue/products?q=robot+arm';
    answers.push({ from, path, ...(await getFrom(port, path, from)) });
    await sleep(200);
  }
  return answers;
}

function assertAllAnswered(answers, withinMs) {
  assert.ok(answers.length >= 5, `${answers.length} requests made`);
  for (const a of answers) {
    assert.equal(a.status, 200, `${a.path} from ${a.from}`);
    assert.ok(a.ms < withinMs, `${a.path} from ${a.from} took ${Math.round(a.ms)} ms`);
  }
}

describe('slow clients', { timeout: 120000 }, () => {
  let echo, dir;
  const files = raiseFileLimit(16384);
  const skip = files < 9000 ? `needs 9000 open files, has ${files}` : false;

  before(async () => {
    dir = tempDir();
    echo = http.createServer((req, res) => res.end('{}'));
    echo.port = await freePort();
    await new Promise((r) => echo.listen(echo.port, '127.0.0.1', r));
  });
  after(async () => {
    echo.closeAllConnections();
    await new Promise((r) => echo.close(r));
    removeDir(dir);
  });

  async function startWeb(env) {
    const upstream = `http://127.0.0.1:${echo.port}`;
    const all = { UI_DIR: dir, ACCESS_LOG: '0', ...env };
    for (const s of ['CATALOGUE', 'USER', 'CART', 'SHIPPING', 'RATINGS', 'PAYMENT']) all[`${s}_URL`] = upstream;
    return startService('web', all);
  }

  test('4,200 slowloris connections from one address: normal requests still answered', { skip }, async () => {
    const web = await startWeb({});   // the defaults: MAX_CONNECTIONS 4096, HEADER_TIMEOUT_S 10
    const slow = await slowClients(web.port, 4200, '127.0.0.1', 5000);
    try {
      const answers = await normalTraffic(web.port, ['127.0.0.1', '127.0.0.2'], 6000);
      const attached = slow.open();
      assertAllAnswered(answers, 1000);
      assert.ok(attached >= 1000, `${attached} slow connections still attached`);
    } finally {
      slow.end();
      await web.stop();
    }
  });

  test('a full server sheds the connections that waited longest for their headers', { skip }, async () => {
    const web = await startWeb({ MAX_CONNECTIONS: '300', MAX_CONNECTIONS_PER_CLIENT: '300', HEADER_TIMEOUT_S: '60' });
    const slow = await slowClients(web.port, 400, '127.0.0.3', 1000);
    try {
      await sleep(500);
      assert.ok(slow.closedByServer >= 100, `${slow.closedByServer} slow connections shed`);
      assertAllAnswered(await normalTraffic(web.port, ['127.0.0.1'], 2000), 1000);
    } finally {
      slow.end();
      await web.stop();
    }
  });

  test('one address holds at most MAX_CONNECTIONS_PER_CLIENT connections', { skip }, async () => {
    const web = await startWeb({ MAX_CONNECTIONS: '2000', MAX_CONNECTIONS_PER_CLIENT: '100', HEADER_TIMEOUT_S: '60' });
    const slow = await slowClients(web.port, 300, '127.0.0.4', 1000);
    try {
      await sleep(500);
      assert.ok(slow.open() <= 100, `${slow.open()} connections from one address kept`);
      assert.ok(slow.open() >= 50, `${slow.open()} connections from one address kept`);
      assertAllAnswered(await normalTraffic(web.port, ['127.0.0.2'], 2000), 1000);
    } finally {
      slow.end();
      await web.stop();
    }
  });
});
