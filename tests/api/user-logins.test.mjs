// user-logins.test.mjs - the user service under a login flood, against a
// real redis-server and its SQLite store: password work on threads of its
// own at the lowest CPU priority (cheap routes never wait behind it), a
// full password queue answered 503 at once, and the limits on failed logins per name and per client
// address (429), with X-Forwarded-For believed only from trusted peers,
// and both refusals' Retry-After passed on by the gateway.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { binary, call, freePort, removeDir, runToExit, sleep, startService, tempDir } from './lib/service.mjs';
import { startRedis } from './lib/redis.mjs';

const NO_LIMITS = { LOGIN_FAILS_PER_NAME: '0', LOGIN_FAILS_PER_CLIENT: '0' };

// A user service of its own with these settings, for the test's body.
async function withUser(env, body) {
  const dir = tempDir();
  const redis = await startRedis();
  const user = await startService('user', {
    REDIS_URL: redis.url, DOCSTORE_PATH: path.join(dir, 'user.db'), ...env,
  });
  try {
    await body(user);
  } finally {
    await user.stop();
    await redis.destroy();
    removeDir(dir);
  }
}

// POST /login; the status, the Retry-After header and the body.
async function login(user, name, password, headers = {}) {
  const res = await user.fetch('/login', {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name, password }),
  });
  const body = await res.json();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

// The scheduling policy of each thread of a process, by thread name:
// { password: [5, 5], ... } (SCHED_OTHER 0, SCHED_IDLE 5).
function threadPolicies(pid) {
  const byName = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    (byName[name] ??= []).push(Number(fields[38]));   // field 41, policy
  }
  return byName;
}

describe('user under a login flood', { concurrency: false }, () => {
  test('the password threads run at the lowest CPU priority, the rest at the normal one', async () => {
    await withUser({ HASH_THREADS: '3', ...NO_LIMITS }, async (user) => {
      assert.equal((await login(user, 'stan', 'bigbrain')).status, 200);
      const policies = threadPolicies(user.child.pid);
      assert.deepEqual(policies.password, [5, 5, 5], JSON.stringify(policies));
      const others = Object.entries(policies).filter(([name]) => name !== 'password').flatMap(([, p]) => p);
      assert.ok(others.length >= 2 && others.every((p) => p === 0), JSON.stringify(policies));
    });
    await withUser({ HASH_THREADS: '2', HASH_LOW_PRIORITY: '0', ...NO_LIMITS }, async (user) => {
      assert.deepEqual(threadPolicies(user.child.pid).password, [0, 0], 'HASH_LOW_PRIORITY=0');
    });
  });


  test('cheap routes answer while logins wait for the password threads', async () => {
    // One worker and one password thread: 16 logins take a while to check,
    // and /check and /uniqueid must not wait behind them.
    await withUser({ THREADS: '1', HASH_THREADS: '1', ...NO_LIMITS }, async (user) => {
      let answered = 0;
      const logins = Array.from({ length: 16 }, (_, i) =>
        login(user, 'stan', `wrong-${i}`).then((r) => { answered++; return r; }));
      await sleep(20);
      assert.equal((await call(user, '/check/stan')).status, 200);
      assert.equal((await call(user, '/uniqueid')).status, 200);
      const pendingThen = 16 - answered;
      const results = await Promise.all(logins);
      assert.deepEqual(new Set(results.map((r) => r.status)), new Set([404]));
      assert.ok(pendingThen >= 8, `/check and /uniqueid answered after ${16 - pendingThen} of 16 logins`);
    });
  });

  test('a full password queue is answered 503 with Retry-After at once', async () => {
    await withUser({ HASH_THREADS: '1', HASH_QUEUE_MAX: '2', ...NO_LIMITS }, async (user) => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        login(user, 'stan', `wrong-${i}`)));
      const busy = results.filter((r) => r.status === 503);
      const checked = results.filter((r) => r.status === 404);
      assert.equal(busy.length + checked.length, 20, JSON.stringify(results.map((r) => r.status)));
      assert.ok(checked.length >= 3, `${checked.length} checked: one running and two waiting`);
      assert.ok(busy.length >= 10, `${busy.length} refused`);
      for (const r of busy) {
        assert.equal(r.retryAfter, '1');
        assert.match(r.body.error, /try again/);
      }
      const metrics = await (await user.fetch('/metrics')).text();
      assert.match(metrics, new RegExp(`^user_password_busy_total ${busy.length}$`, 'm'));
      assert.equal((await login(user, 'stan', 'bigbrain')).status, 200, 'the queue drains');
    });
  });

  test('failed logins per name: 429 with Retry-After, even with the right password, until the window ends', async () => {
    await withUser({ LOGIN_FAILS_PER_NAME: '3', LOGIN_FAIL_WINDOW_S: '2', LOGIN_FAILS_PER_CLIENT: '0' },
      async (user) => {
        for (let i = 0; i < 3; i++)
          assert.equal((await login(user, 'stan', `wrong-${i}`)).status, 404);
        const limited = await login(user, 'stan', 'bigbrain');
        assert.equal(limited.status, 429);
        assert.match(limited.body.error, /too many failed logins/);
        assert.ok(['1', '2'].includes(limited.retryAfter), `Retry-After ${limited.retryAfter}`);
        assert.equal((await login(user, 'user', 'password')).status, 200, 'another name is not limited');
        await sleep(Number(limited.retryAfter) * 1000 + 100);
        assert.equal((await login(user, 'stan', 'bigbrain')).status, 200, 'allowed again after the window');
      });
  });

  test('concurrent guesses at one name cannot pass its limit', async () => {
    await withUser({ LOGIN_FAILS_PER_NAME: '3', LOGIN_FAILS_PER_CLIENT: '0' }, async (user) => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        login(user, 'stan', `wrong-${i}`)));
      const checked = results.filter((r) => r.status === 404).length;
      const limited = results.filter((r) => r.status === 429).length;
      assert.equal(checked, 3, `${checked} passwords checked`);
      assert.equal(limited, 17);
    });
  });

  test('logins that succeed are not counted', async () => {
    await withUser({ LOGIN_FAILS_PER_NAME: '2', LOGIN_FAILS_PER_CLIENT: '2' }, async (user) => {
      const results = await Promise.all(Array.from({ length: 12 }, () => login(user, 'stan', 'bigbrain')));
      assert.deepEqual(results.map((r) => r.status), Array(12).fill(200));
    });
  });

  test('failed logins per client: the last X-Forwarded-For entry from a trusted peer names the client', async () => {
    await withUser({ LOGIN_FAILS_PER_NAME: '0', LOGIN_FAILS_PER_CLIENT: '3' }, async (user) => {
      const from = (xff) => ({ 'x-forwarded-for': xff });
      for (let i = 0; i < 3; i++)
        assert.equal((await login(user, `nobody-${i}`, 'guess', from('203.0.113.7'))).status, 404);
      const limited = await login(user, 'stan', 'bigbrain', from('203.0.113.7'));
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.retryAfter) >= 1, `Retry-After ${limited.retryAfter}`);
      // An earlier entry is the client's own word: it changes nothing.
      assert.equal((await login(user, 'stan', 'bigbrain', from('198.51.100.1, 203.0.113.7'))).status, 429);
      // Another client, as the gateway appends it, is not limited.
      assert.equal((await login(user, 'stan', 'bigbrain', from('203.0.113.7, 203.0.113.8'))).status, 200);
      assert.equal((await login(user, 'stan', 'bigbrain', from('2001:db8::8'))).status, 200);
      // Without the header, the client is the peer (127.0.0.1), not limited.
      assert.equal((await login(user, 'stan', 'bigbrain')).status, 200);
    });
  });

  test('X-Forwarded-For from a peer not in TRUSTED_PROXIES is not believed', async () => {
    await withUser({ LOGIN_FAILS_PER_NAME: '0', LOGIN_FAILS_PER_CLIENT: '2', TRUSTED_PROXIES: '10.0.0.0/8' },
      async (user) => {
        for (let i = 0; i < 2; i++) {
          const r = await login(user, `nobody-${i}`, 'guess', { 'x-forwarded-for': `203.0.113.${i}` });
          assert.equal(r.status, 404);
        }
        const r = await login(user, 'stan', 'bigbrain', { 'x-forwarded-for': '203.0.113.99' });
        assert.equal(r.status, 429, 'the peer, 127.0.0.1, is the client');
      });
  });

  test('through the gateway, the 503 of a full queue and the 429 of a limit keep their Retry-After', async () => {
    await withUser({ HASH_THREADS: '1', HASH_QUEUE_MAX: '1', LOGIN_FAILS_PER_NAME: '0', LOGIN_FAILS_PER_CLIENT: '30' },
      async (user) => {
        const web = await startService('web', { USER_URL: user.url });
        const gateway = { fetch: (p, options) => web.fetch(`/api/user${p}`, options) };
        try {
          const flood = await Promise.all(Array.from({ length: 20 }, (_, i) =>
            login(gateway, `nobody-${i}`, 'guess')));
          const busy = flood.filter((r) => r.status === 503);
          assert.ok(busy.length > 0, JSON.stringify(flood.map((r) => r.status)));
          for (const r of busy) assert.equal(r.retryAfter, '1');
          let limited;
          for (let i = 0; i < 40 && limited === undefined; i++) {
            const r = await login(gateway, `nobody-${i}`, 'guess');
            if (r.status === 429) limited = r;
          }
          assert.ok(limited, 'the per-client limit answered 429');
          assert.match(limited.body.error, /too many failed logins/);
          assert.ok(Number(limited.retryAfter) >= 1, `Retry-After ${limited.retryAfter}`);
        } finally {
          await web.stop();
        }
      });
  });

  test('a bad TRUSTED_PROXIES or limit stops the service with exit code 2', async () => {
    for (const env of [{ TRUSTED_PROXIES: '10.0.0.0/33' }, { TRUSTED_PROXIES: 'gateway' },
      { LOGIN_FAILS_PER_NAME: '-1' }, { HASH_QUEUE_MAX: '0' }]) {
      const r = await runToExit(binary('user'), { PATH: process.env.PATH, PORT: String(await freePort()), ...env });
      assert.equal(r.code, 2, JSON.stringify(env));
      assert.match(r.stderr, new RegExp(Object.keys(env)[0]));
    }
  });
});
