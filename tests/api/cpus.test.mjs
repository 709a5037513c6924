// Services size themselves to the CPUs they may use (src/common/rs_cpus.c):
// one event loop per CPU in the affinity mask and under the cgroup's CPU
// quota (a container's CPU limit), not per CPU of the machine.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { startService, tempDir, removeDir } from './lib/service.mjs';

const dir = tempDir('rs-cpus-');
after(() => removeDir(dir));

// The names of a process's threads, counted.
function threads(pid) {
  const counts = {};
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    const name = fs.readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

async function catalogueThreads(env, options) {
  const svc = await startService('catalogue', { DOCSTORE_PATH: `${dir}/${Math.random()}.db`, ...env },
                                 options);
  try {
    return threads(svc.child.pid);
  } finally {
    await svc.stop();
  }
}

test('one event loop per CPU the machine lets it use, and 8 workers per loop by default', async () => {
  const t = await catalogueThreads({ THREADS: '' });   // empty: the default
  assert.equal(t['rs-loop'], Math.min(os.availableParallelism(), 16));
  assert.equal(t['rs-worker'], 8 * Math.min(os.availableParallelism(), 16));
});

test('pinned to one CPU (taskset), a service runs one event loop', async () => {
  const t = await catalogueThreads({}, { wrapper: ['taskset', '-c', '0'] });
  assert.equal(t['rs-loop'], 1);
});

test('IO_THREADS sets the loops whatever the CPUs', async () => {
  const t = await catalogueThreads({ IO_THREADS: '3' }, { wrapper: ['taskset', '-c', '0'] });
  assert.equal(t['rs-loop'], 3);
});

// A cgroup v1 cpu controller this process may make cgroups under (root on
// a v1 or hybrid host, as here); elsewhere the unit tests cover the quota.
const v1 = '/sys/fs/cgroup/cpu';
function writableV1() {
  try {
    fs.accessSync(`${v1}/cgroup.procs`, fs.constants.W_OK);
    return fs.existsSync(`${v1}/cpu.cfs_quota_us`);
  } catch {
    return false;
  }
}

test('under a CPU quota of half a core (a container limit of 500m), one event loop',
  { skip: writableV1() ? false : 'no writable cgroup v1 cpu controller here' }, async () => {
    const group = `${v1}/rs-cpus-test-${process.pid}`;
    fs.mkdirSync(group);
    try {
      fs.writeFileSync(`${group}/cpu.cfs_quota_us`, '50000');
      const join = ['sh', '-c', `echo $$ > ${group}/cgroup.procs && exec "$0"`];
      const t = await catalogueThreads({}, { wrapper: join });
      assert.equal(t['rs-loop'], 1);
      assert.equal(t['rs-worker'], 8);
    } finally {
      fs.rmdirSync(group);
    }
  });
