// dashboards.mjs - the monitoring component's Grafana dashboards as the
// tests see them: every panel query with Grafana's variables substituted
// the way Grafana would for "All" and a one-minute rate interval, and
// whether it needs series only Kubernetes has (kube-state-metrics' kube_*,
// cAdvisor's container_*).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { KUBE_DIR } from './kube.mjs';

export const DASHBOARD_DIR = path.join(KUBE_DIR, 'components/monitoring/dashboards');

export function loadDashboards() {
  return readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(DASHBOARD_DIR, file), 'utf8')) }));
}

const VARIABLES = { __rate_interval: '1m', __interval: '15s', __range: '1h', route: '.*' };

export function substitute(expr) {
  return expr.replace(/\$\{?(\w+)\}?/g, (m, name) => {
    if (!(name in VARIABLES)) throw new Error(`unknown variable ${m} in ${expr}`);
    return VARIABLES[name];
  });
}

export const needsKubernetes = (expr) => /\b(kube_|container_)\w+/.test(expr);

// [{file, panel, refId, expr (substituted), raw}]
export function panelQueries(dashboards = loadDashboards()) {
  return dashboards.flatMap(({ file, json }) => json.panels.flatMap((p) => (p.targets ?? []).map((t) => ({
    file, panel: p.title, refId: t.refId, raw: t.expr, expr: substitute(t.expr),
  }))));
}
