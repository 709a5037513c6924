// dashboards.test.mjs - the Grafana dashboards of the monitoring component:
// the JSON files are what generate.mjs writes; the set is the one issue 14
// asks for (an overview, one per service, RabbitMQ, a load-test view);
// each is provisioned as a ConfigMap labelled grafana_dashboard: "1"; every
// panel has a query, and every query, variables substituted, is PromQL that
// promtool parses. (tests/e2e/ops.test.mjs runs them against a Prometheus.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { DASHBOARDS } from '../../deploy/kubernetes/components/monitoring/dashboards/generate.mjs';
import { loadDashboards, panelQueries, substitute } from './lib/dashboards.mjs';
import { KUBE_DIR, REPO, render } from './lib/kube.mjs';

const SERVICES = ['cart', 'catalogue', 'dispatch', 'payment', 'ratings', 'shipping', 'user', 'web'];

test('the dashboards are what generate.mjs writes', () => {
  const files = Object.fromEntries(loadDashboards().map(({ file, json }) => [file, json]));
  assert.deepEqual(Object.keys(files).sort(), Object.keys(DASHBOARDS).sort());
  for (const [file, json] of Object.entries(DASHBOARDS)) assert.deepEqual(files[file], json, `${file}: run generate.mjs`);
});

test('an overview, one per service, RabbitMQ and a load-test view, with unique uids', () => {
  const files = loadDashboards().map((d) => d.file).sort();
  assert.deepEqual(files, ['load-test.json', 'overview.json', 'rabbitmq.json', ...SERVICES.map((s) => `service-${s}.json`)].sort());
  const uids = loadDashboards().map((d) => d.json.uid);
  assert.equal(new Set(uids).size, uids.length);
});

test('each dashboard is a ConfigMap labelled grafana_dashboard: "1"', () => {
  const objects = render(path.join(KUBE_DIR, 'tests/base-monitoring'));
  const maps = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
  const provided = maps.flatMap((m) => Object.entries(m.data).map(([file, text]) => [file, JSON.parse(text)]));
  assert.deepEqual(provided.map(([f]) => f).sort(), loadDashboards().map((d) => d.file).sort());
  for (const [file, json] of provided) assert.deepEqual(json, loadDashboards().find((d) => d.file === file).json);
});

test("every money panel is in the shop's currency, the one the storefront shows prices in", () => {
  const storefront = readFileSync(path.join(REPO, 'ui/js/dom.js'), 'utf8');
  const currency = /style: 'currency', currency: '([A-Z]{3})'/.exec(storefront)?.[1];
  assert.ok(currency, "no currency in the storefront's price format (ui/js/dom.js)");
  const money = loadDashboards().flatMap(({ file, json }) => json.panels
    .filter((p) => (p.targets ?? []).some((t) => /revenue|cart_value/.test(t.expr)))
    .map((p) => ({ panel: `${file}: ${p.title}`, unit: p.fieldConfig?.defaults?.unit })));
  assert.ok(money.some((m) => m.panel === 'overview.json: Revenue per hour'), 'no revenue panel in the overview');
  assert.deepEqual(money.filter((m) => m.unit !== `currency${currency}`), []);
});

test('every panel has a query, and every query parses (promtool)', () => {
  for (const { file, json } of loadDashboards()) {
    for (const p of json.panels) assert.ok((p.targets ?? []).length > 0 && p.targets.every((t) => t.expr), `${file}: ${p.title}: no query`);
  }
  const queries = panelQueries();
  // Each query as a recording rule: promtool check rules parses them all.
  const rules = { groups: [{ name: 'panels', rules: queries.map((q, i) => ({ record: `panel_${i}`, expr: q.expr })) }] };
  const dir = mkdtempSync(path.join(tmpdir(), 'rs-panels-'));
  try {
    writeFileSync(path.join(dir, 'panels.yaml'), YAML.stringify(rules));
    const r = spawnSync('promtool', ['check', 'rules', path.join(dir, 'panels.yaml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${queries.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a query that does not parse, or an unknown variable, is caught', () => {
  assert.throws(() => substitute('rate(x[$__rate_intervall])'), /unknown variable/);
  const dir = mkdtempSync(path.join(tmpdir(), 'rs-panels-'));
  try {
    writeFileSync(path.join(dir, 'panels.yaml'), YAML.stringify({ groups: [{ name: 'p', rules: [{ record: 'p', expr: 'sum by (job (x)' }] }] }));
    const r = spawnSync('promtool', ['check', 'rules', path.join(dir, 'panels.yaml')], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
