// k6.test.mjs - the k6 scripts in deploy/k6/ are valid ES modules (node
// parses them without running them) that give k6 what it needs: options
// with stages and the agreed thresholds, and a default function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/service.mjs';

const DIR = path.join(ROOT, 'deploy/k6');
const scripts = readdirSync(DIR).filter((f) => f.endsWith('.js'));

test('there are browse and checkout scripts', () => {
  assert.deepEqual(scripts.sort(), ['browse.js', 'checkout.js']);
});

for (const file of scripts) {
  test(`${file} parses as an ES module and has k6's options and entry point`, () => {
    const full = path.join(DIR, file);
    execFileSync(process.execPath, ['--check', full]);   // throws on a syntax error
    const src = readFileSync(full, 'utf8');
    assert.match(src, /^import http from 'k6\/http';$/m);
    assert.match(src, /^export const options = \{/m);
    assert.match(src, /^export default function \(\) \{/m);
    assert.match(src, /target: 1000/);
    for (const t of ["'p\\(95\\)<200'", "'p\\(99\\)<500'", "'rate<0.01'"])
      assert.match(src, new RegExp(t));
    assert.match(src, /tags: \{ name/);
  });
}
