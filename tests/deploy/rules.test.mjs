// rules.test.mjs - the monitoring component's Prometheus rules and
// Alertmanager configuration: the rules file scripts/prometheus-rules
// writes from the PrometheusRule objects is valid (`promtool check rules`)
// and passes the unit tests of tests/deploy/rules/ (`promtool test rules`);
// every alert there has a case that must fire and one that must not, and
// every recording rule an expected value; a rule broken on purpose fails
// them; the Alertmanager configuration is valid (`amtool check-config`)
// and routes every severity the rules use to its own receiver.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import YAML from 'yaml';
import { KUBE_DIR, REPO } from './lib/kube.mjs';

const MONITORING = path.join(KUBE_DIR, 'components/monitoring');
const TESTS_DIR = path.join(REPO, 'tests/deploy/rules');
const RULES_NAME = 'robot-shop.rules.yaml';

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

// A directory holding the rules file and the unit tests beside it, as the
// tests' rule_files expects.
function workDir(prefix) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const r = sh(path.join(REPO, 'scripts/prometheus-rules'), [path.join(dir, RULES_NAME)]);
  assert.equal(r.code, 0, r.out);
  for (const f of readdirSync(TESTS_DIR).filter((x) => x.endsWith('.test.yaml'))) copyFileSync(path.join(TESTS_DIR, f), path.join(dir, f));
  return dir;
}

const testFiles = (dir) => readdirSync(dir).filter((f) => f.endsWith('.test.yaml')).sort().map((f) => path.join(dir, f));

describe('Prometheus rules', () => {
  const dir = workDir('rs-rules-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const groups = YAML.parse(readFileSync(path.join(dir, RULES_NAME), 'utf8')).groups;
  const rules = groups.flatMap((g) => g.rules);
  const unitTests = testFiles(dir).flatMap((f) => YAML.parse(readFileSync(f, 'utf8')).tests);

  test('promtool check rules', () => {
    const r = sh('promtool', ['check', 'rules', path.join(dir, RULES_NAME)]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  test('promtool test rules', () => {
    const r = sh('promtool', ['test', 'rules', ...testFiles(dir)], { cwd: dir });
    assert.equal(r.code, 0, r.out);
  });

  test('every alert has a case that fires and one that does not', () => {
    const cases = unitTests.flatMap((t) => t.alert_rule_test ?? []);
    const missing = [];
    for (const alert of rules.filter((r) => r.alert).map((r) => r.alert)) {
      const mine = cases.filter((c) => c.alertname === alert);
      if (!mine.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${alert}: no case where it fires`);
      if (!mine.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${alert}: no case where it must not fire`);
    }
    assert.deepEqual(missing, []);
  });

  test('every recording rule has an expected value', () => {
    const exprs = unitTests.flatMap((t) => t.promql_expr_test ?? []).filter((e) => (e.exp_samples ?? []).length);
    // Named in the expression, or matched by the regular expression of a
    // {__name__=~"..."} selector there.
    const checked = (name) => exprs.some((e) => e.expr.includes(name) ||
      [...e.expr.matchAll(/__name__=~"([^"]+)"/g)].some((m) => new RegExp(`^(?:${m[1]})$`).test(name)));
    assert.deepEqual(rules.filter((r) => r.record && !checked(r.record)).map((r) => r.record), []);
  });

  test('every alert says how bad it is and what it is about', () => {
    const bad = rules.filter((r) => r.alert && (!['page', 'ticket'].includes(r.labels?.severity) || !r.annotations?.summary || !r.annotations?.description));
    assert.deepEqual(bad.map((r) => r.alert), []);
  });

  // The unit tests must catch a broken rule: each mutation of the rules
  // file makes `promtool test rules` fail.
  const MUTATIONS = [
    ['the page\'s long window replaced by its short one',
      (t) => t.replace('job:slo_availability_errors:ratio_rate1h > 14.4', 'job:slo_availability_errors:ratio_rate5m > 14.4')],
    ['the p99 latency bound', (t) => t.replaceAll('le=~"1|1.0"', 'le=~"2.5"')],
    ['the 5xx matcher', (t) => t.replaceAll('status=~"5.."', 'status=~"4.."')],
    ['a `for`', (t) => t.replace(/for: 15m/, 'for: 1m')],
    ['a datastore down test', (t) => t.replace('max by (job, system) (db_up) == 0', 'min by (job, system) (db_up) == 0')],
  ];
  for (const [what, mutate] of MUTATIONS) {
    test(`a broken rule fails the unit tests: ${what}`, () => {
      const broken = workDir('rs-rules-broken-');
      try {
        const file = path.join(broken, RULES_NAME);
        const text = readFileSync(file, 'utf8');
        const mutated = mutate(text);
        assert.notEqual(mutated, text, 'the mutation changed nothing');
        writeFileSync(file, mutated);
        const r = sh('promtool', ['test', 'rules', ...testFiles(broken)], { cwd: broken });
        assert.notEqual(r.code, 0, `promtool test rules passed a broken rule file:\n${r.out}`);
      } finally {
        rmSync(broken, { recursive: true, force: true });
      }
    });
  }
});

describe('Alertmanager configuration', () => {
  const config = path.join(MONITORING, 'alertmanager/alertmanager.yaml');

  test('amtool check-config', () => {
    const r = sh('amtool', ['check-config', config]);
    assert.equal(r.code, 0, r.out);
  });

  test('every severity the rules use reaches its own receiver', () => {
    const severities = new Set();
    for (const f of readdirSync(path.join(MONITORING, 'rules')).filter((x) => x.endsWith('.yaml'))) {
      const obj = YAML.parse(readFileSync(path.join(MONITORING, 'rules', f), 'utf8'));
      for (const g of obj.spec.groups) for (const r of g.rules) if (r.alert) severities.add(r.labels.severity);
    }
    assert.deepEqual([...severities].sort(), ['page', 'ticket']);
    for (const s of severities) {
      const r = sh('amtool', ['config', 'routes', 'test', `--config.file=${config}`, `severity=${s}`, 'job=cart']);
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out.split('\n').find((l) => l && !l.startsWith('Warning')), s);
    }
  });
});
