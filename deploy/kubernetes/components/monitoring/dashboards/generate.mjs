#!/usr/bin/env node
// generate.mjs - writes the Grafana dashboards of this folder (*.json): the
// overview, one per service, RabbitMQ, and the load-test view. The JSON
// files are what Grafana is given (as ConfigMaps labelled
// grafana_dashboard: "1", see ../kustomization.yaml); this script is how
// they are kept alike. tests/deploy/dashboards.test.mjs checks that they
// are what it writes, and tests/e2e/ops.test.mjs runs every panel's query
// against a Prometheus scraping a local shop under load.
//   node deploy/kubernetes/components/monitoring/dashboards/generate.mjs
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const NS = 'namespace="robot-shop"';
const DS = { type: 'prometheus', uid: '${datasource}' };

// What each service has beyond RED: datastore operations it times, peers
// it calls, datastores it depends on (db_up), HTTP routes of its own.
const SERVICES = {
  web: { peers: true, routes: true },
  catalogue: { db: true, up: true, routes: true },
  user: { db: true, up: true, routes: true },
  cart: { peers: true, up: true, routes: true },
  shipping: { db: true, peers: true, up: true, routes: true },
  ratings: { db: true, peers: true, up: true, routes: true },
  payment: { db: true, peers: true, up: true, routes: true, orders: true },
  dispatch: { up: true, dispatch: true },
};

function dashboard(uid, title, tags, panels, variables = []) {
  let y = 0;
  let x = 0;
  const laid = panels.map((p, i) => {
    const w = p.w ?? 12;
    const h = p.h ?? 8;
    if (x + w > 24) { x = 0; y += 8; }
    const gridPos = { x, y, w, h };
    x += w;
    const { w: _w, h: _h, ...rest } = p;
    return { id: i + 1, gridPos, datasource: DS, ...rest };
  });
  return {
    uid, title, tags: ['robot-shop', ...tags], editable: false, schemaVersion: 39, version: 1,
    time: { from: 'now-1h', to: 'now' }, refresh: '30s', timezone: 'browser',
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 },
        ...variables,
      ],
    },
    annotations: { list: [] },
    panels: laid,
  };
}

// Money panels: the shop's prices are in euros (the storefront shows them so).
const MONEY = 'currencyEUR';

function series(title, unit, targets, extra = {}) {
  return {
    type: 'timeseries', title, ...extra,
    fieldConfig: { defaults: { unit, custom: { lineWidth: 1, fillOpacity: 10 } }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
    targets: targets.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat, datasource: DS })),
  };
}

function stat(title, unit, expr, extra = {}) {
  return {
    type: 'stat', title, w: 6, h: 4, ...extra,
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value', graphMode: 'area' },
    targets: [{ refId: 'A', expr, datasource: DS }],
  };
}

const routeVar = (job) => ({
  name: 'route', label: 'route', type: 'query', datasource: DS, refresh: 2, multi: true, includeAll: true, allValue: '.*',
  query: { query: `label_values(job_route:http_server_requests:rate5m{job="${job}"}, route)`, refId: 'route' },
  current: { text: 'All', value: '$__all' },
});

const overview = dashboard('robot-shop-overview', 'Robot Shop: overview', ['overview'], [
  stat('Requests/s (all services)', 'reqps', 'sum(job:http_server_requests:rate5m)'),
  stat('Checkouts/s', 'reqps', 'sum(rate(http_server_requests_total{job="payment", route="/pay/:id", status=~"2.."}[$__rate_interval]))'),
  stat('Revenue per hour', MONEY, 'shop:revenue:rate5m * 3600'),
  stat('Alerts firing', 'none', 'count(ALERTS{alertstate="firing"}) or vector(0)'),
  series('Requests/s by service', 'reqps', [['job:http_server_requests:rate5m', '{{job}}']]),
  series('Errors (5xx) by service', 'percentunit', [['job:http_server_error_ratio:rate5m', '{{job}}']]),
  series('p95 latency by service', 's', [['job:http_server_request_duration_seconds:p95_5m', '{{job}}']]),
  series('p99 latency by service', 's', [['job:http_server_request_duration_seconds:p99_5m', '{{job}}']]),
  series('Orders/s: paid and dispatched', 'ops', [['shop:orders_paid:rate5m', 'paid'], ['shop:orders_dispatched:rate5m', 'dispatched']]),
  series('Revenue/s and order value', MONEY, [['shop:revenue:rate5m', 'revenue/s'], ['shop:revenue:rate5m / shop:orders_paid:rate5m', 'mean order value']]),
  series('Availability budget burn rate (1 h)', 'none', [['job:slo_availability_errors:ratio_rate1h / 0.005', '{{job}}']]),
  series('Datastores reachable (min over replicas)', 'none', [['min by (job, system) (db_up)', '{{job}} → {{system}}']]),
]);

function servicePanels(job, c) {
  const sel = `job="${job}"`;
  const p = [];
  if (c.routes) {
    const r = `{${sel}, route=~"$route"}`;
    p.push(
      series('Requests/s by route', 'reqps', [[`job_route:http_server_requests:rate5m${r}`, '{{route}}']]),
      series('Errors (5xx)/s by route', 'reqps', [[`job_route:http_server_errors:rate5m${r}`, '{{route}}']]),
      series('p50 by route', 's', [[`job_route:http_server_request_duration_seconds:p50_5m${r}`, '{{route}}']], { w: 8 }),
      series('p95 by route', 's', [[`job_route:http_server_request_duration_seconds:p95_5m${r}`, '{{route}}']], { w: 8 }),
      series('p99 by route', 's', [[`job_route:http_server_request_duration_seconds:p99_5m${r}`, '{{route}}']], { w: 8 }),
      series('Responses/s by status', 'reqps', [[`sum by (status) (rate(http_server_requests_total{${sel}, route!~"/health|/ready|/metrics"}[$__rate_interval]))`, '{{status}}']]),
    );
  }
  p.push(series('Requests in flight', 'none', [[`sum(http_server_active_requests{${sel}})`, 'in flight']]));
  if (c.orders) {
    p.push(series('Orders/s and items/s', 'ops', [['shop:orders_paid:rate5m', 'orders'], [`sum(rate(sold_count{${sel}}[$__rate_interval]))`, 'items']]),
      series('Order value p50 / p95', MONEY, [
        [`histogram_quantile(0.5, sum by (le) (rate(cart_value_bucket{${sel}}[$__rate_interval])))`, 'p50'],
        [`histogram_quantile(0.95, sum by (le) (rate(cart_value_bucket{${sel}}[$__rate_interval])))`, 'p95']]));
  }
  if (c.dispatch) {
    p.push(series('Orders processed and failed /s', 'ops', [
      [`sum(rate(orders_processed_total{${sel}}[$__rate_interval]))`, 'processed'],
      // The counter appears with the first failed order: 0 until then.
      [`sum(rate(orders_failed_total{${sel}}[$__rate_interval])) or vector(0)`, 'failed']]),
    series('Order processing p50 / p95', 's', [
      [`histogram_quantile(0.5, sum by (le) (rate(order_processing_seconds_bucket{${sel}}[$__rate_interval])))`, 'p50'],
      [`histogram_quantile(0.95, sum by (le) (rate(order_processing_seconds_bucket{${sel}}[$__rate_interval])))`, 'p95']]),
    series('Orders in flight', 'none', [[`sum(orders_in_flight{${sel}})`, 'in flight']]));
  }
  if (c.db) {
    p.push(series('Datastore p95 by operation', 's', [[
      `histogram_quantile(0.95, sum by (system, operation, le) (rate(db_client_operation_duration_seconds_bucket{${sel}}[$__rate_interval])))`,
      '{{system}} {{operation}}']]));
  }
  if (c.peers) {
    p.push(series('Calls to peers: p95 by peer', 's', [[
      `histogram_quantile(0.95, sum by (peer, le) (rate(http_client_request_duration_seconds_bucket{${sel}}[$__rate_interval])))`, '{{peer}}']]));
  }
  if (c.up) p.push(series('Datastores reachable', 'none', [[`db_up{${sel}}`, '{{instance}} → {{system}}']]));
  p.push(
    series('CPU (process)', 'percentunit', [[`rate(process_cpu_seconds_total{${sel}}[$__rate_interval])`, '{{instance}}']], { w: 8 }),
    series('Resident memory (process)', 'bytes', [[`process_resident_memory_bytes{${sel}}`, '{{instance}}']], { w: 8 }),
    series('Open file descriptors', 'none', [[`process_open_fds{${sel}}`, '{{instance}}']], { w: 8 }),
    series('CPU of the container vs its limit (Kubernetes)', 'none', [
      [`sum by (pod) (rate(container_cpu_usage_seconds_total{${NS}, container="${job}"}[$__rate_interval]))`, '{{pod}}'],
      [`max(kube_pod_container_resource_limits{${NS}, container="${job}", resource="cpu"})`, 'limit']], { w: 8 }),
    series('Memory working set vs limit (Kubernetes)', 'bytes', [
      [`sum by (pod) (container_memory_working_set_bytes{${NS}, container="${job}"})`, '{{pod}}'],
      [`max(kube_pod_container_resource_limits{${NS}, container="${job}", resource="memory"})`, 'limit']], { w: 8 }),
    series('Replicas (Kubernetes)', 'none', [
      [`kube_deployment_status_replicas_available{${NS}, deployment="${job}"}`, 'available'],
      [`kube_deployment_spec_replicas{${NS}, deployment="${job}"}`, 'desired']], { w: 8 }),
  );
  return p;
}

const rabbitmq = dashboard('robot-shop-rabbitmq', 'Robot Shop: RabbitMQ', ['rabbitmq'], [
  stat('Messages ready', 'none', 'sum(rabbitmq_detailed_queue_messages_ready)'),
  stat('Messages unacknowledged', 'none', 'sum(rabbitmq_detailed_queue_messages_unacked)'),
  stat('Consumers', 'none', 'sum(rabbitmq_detailed_queue_consumers)'),
  stat('Oldest message (s)', 's', 'max(time() - rabbitmq_detailed_queue_head_message_timestamp > 0) or vector(0)'),
  series('Queue depth', 'none', [
    ['rabbitmq_detailed_queue_messages_ready', '{{queue}} ready'],
    ['rabbitmq_detailed_queue_messages_unacked', '{{queue}} unacknowledged']]),
  series('Publish, confirm, deliver and ack rates', 'ops', [
    ['sum(rate(rabbitmq_global_messages_received_total[$__rate_interval]))', 'published'],
    ['sum(rate(rabbitmq_global_messages_confirmed_total[$__rate_interval]))', 'confirmed'],
    ['sum(rate(rabbitmq_global_messages_delivered_total[$__rate_interval]))', 'delivered'],
    ['sum(rate(rabbitmq_global_messages_acknowledged_total[$__rate_interval]))', 'acknowledged']]),
  series('Redelivered and unroutable /s', 'ops', [
    ['sum(rate(rabbitmq_global_messages_redelivered_total[$__rate_interval]))', 'redelivered'],
    ['sum(rate(rabbitmq_global_messages_unroutable_dropped_total[$__rate_interval]))', 'unroutable, dropped']]),
  series('Connections and channels', 'none', [['sum(rabbitmq_connections)', 'connections'], ['sum(rabbitmq_channels)', 'channels']]),
  series('Publish time, from payment', 's', [[
    'histogram_quantile(0.95, sum by (le) (rate(db_client_operation_duration_seconds_bucket{job="payment", system="rabbitmq"}[$__rate_interval])))', 'p95']]),
  series('Broker memory', 'bytes', [['sum(rabbitmq_process_resident_memory_bytes)', 'resident']]),
]);

const loadTest = dashboard('robot-shop-load-test', 'Robot Shop: load test', ['load'], [
  stat('Gateway requests/s', 'reqps', 'sum(job:http_server_requests:rate5m{job="web"})'),
  stat('Gateway p95', 's', 'job:http_server_request_duration_seconds:p95_5m{job="web"}'),
  stat('Gateway errors', 'percentunit', 'job:http_server_error_ratio:rate5m{job="web"}'),
  stat('Checkouts/s', 'reqps', 'shop:orders_paid:rate5m'),
  series('Gateway throughput by route (1 m)', 'reqps', [[
    'sum by (route) (rate(http_server_requests_total{job="web", route!~"/health|/ready|/metrics"}[$__rate_interval]))', '{{route}}']], { w: 24 }),
  series('Gateway latency p50 / p95 / p99 (1 m)', 's', [0.5, 0.95, 0.99].map((q) => [
    `histogram_quantile(${q}, sum by (le) (rate(http_server_request_duration_seconds_bucket{job="web", route!~"/health|/ready|/metrics"}[$__rate_interval])))`, `p${q * 100}`])),
  series('Non-2xx responses/s at the gateway', 'reqps', [[
    'sum by (status) (rate(http_server_requests_total{job="web", status!~"2.."}[$__rate_interval])) or vector(0)', '{{status}}']]),
  series('Requests in flight by service', 'none', [['sum by (job) (http_server_active_requests)', '{{job}}']]),
  series('CPU by service (process)', 'percentunit', [['sum by (job) (rate(process_cpu_seconds_total[$__rate_interval]))', '{{job}}']]),
  series('p95 by service', 's', [['job:http_server_request_duration_seconds:p95_5m', '{{job}}']]),
  series('Orders queue depth', 'none', [['sum(rabbitmq_detailed_queue_messages_ready)', 'ready']]),
]);

const out = { 'overview.json': overview, 'rabbitmq.json': rabbitmq, 'load-test.json': loadTest };
for (const [job, c] of Object.entries(SERVICES)) {
  out[`service-${job}.json`] = dashboard(`robot-shop-${job}`, `Robot Shop: ${job}`, ['service'], servicePanels(job, c), c.routes ? [routeVar(job)] : []);
}
export const DASHBOARDS = out;
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, d] of Object.entries(out)) writeFileSync(path.join(DIR, file), `${JSON.stringify(d, null, 2)}\n`);
}
