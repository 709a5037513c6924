// chaos.test.mjs - two chaos experiments for real, in quick mode, against a
// shop of their own (`node chaos/run.mjs --quick`): a catalogue replica
// killed and Redis stopped, under rs-load traffic and the probes; both
// hypotheses must hold, and the reports must say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

test('quick: kill-replica and redis-stop hold, with text and HTML reports', { timeout: 240000 }, async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'rs-chaos-test-'));
  try {
    const r = await run('node', [path.join(ROOT, 'chaos/run.mjs'), '--quick', '--only', 'kill-replica,redis-stop'],
      { env: { ...process.env, CHAOS_OUT: out }, timeout: 230000 }).catch((e) => e);
    const text = existsSync(path.join(out, 'report.txt')) ? readFileSync(path.join(out, 'report.txt'), 'utf8') : '';
    assert.equal(r.code ?? 0, 0, `exit ${r.code}:\n${text || r.stderr}`);
    assert.match(text, /✓ kill-replica/);
    assert.match(text, /✓ redis-stop/);
    assert.match(text, /2 of 2 hypotheses held/);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.equal((html.match(/<svg /g) ?? []).length, 8);   // four charts each
    for (const name of ['kill-replica', 'redis-stop']) {
      const obs = JSON.parse(readFileSync(path.join(out, `${name}.json`), 'utf8'));
      assert.ok(obs.doc.totals.requests > 0 && obs.samples.length > 0);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
