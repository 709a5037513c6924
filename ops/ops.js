// ops.js - draws the Grafana overview dashboard's panels (overview.json,
// the monitoring component's) from Prometheus's HTTP API, with uPlot:
// stat panels as numbers, time series as charts of the last 15 minutes,
// refreshed every 15 s. Grafana's variables are substituted as Grafana
// would for this range.
/* global uPlot */
const RANGE_S = 15 * 60;
const STEP_S = 15;
const VARS = { __rate_interval: '1m', __interval: `${STEP_S}s`, __range: `${RANGE_S}s` };
const COLORS = ['#2f6fde', '#e0782f', '#2a9d5b', '#c0392b', '#8e44ad', '#16a2b8', '#b58900', '#6c757d', '#d63384', '#20c997'];

const substitute = (expr) => expr.replace(/\$\{?(\w+)\}?/g, (m, name) => VARS[name] ?? m);

async function api(path, params) {
  const res = await fetch(`/api/v1/${path}?${new URLSearchParams(params)}`);
  const body = await res.json();
  if (body.status !== 'success') throw new Error(body.error ?? `HTTP ${res.status}`);
  return body.data.result;
}

const legend = (format, metric) => (format ? format.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, l) => metric[l] ?? '') : JSON.stringify(metric));

// Grafana's currency units (currencyEUR, currencyUSD, ...) name the ISO code.
const money = (v, code) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: code }).format(v);

function formatValue(v, unit) {
  if (!Number.isFinite(v)) return '–';
  if (unit?.startsWith('currency')) return money(v, unit.slice('currency'.length));
  switch (unit) {
    case 's': return v < 1 ? `${(v * 1000).toFixed(v < 0.01 ? 2 : 0)} ms` : `${v.toFixed(2)} s`;
    case 'percentunit': return `${(v * 100).toFixed(v < 0.1 ? 2 : 0)} %`;
    case 'reqps': return `${v.toFixed(v < 10 ? 2 : 0)} req/s`;
    case 'ops': return `${v.toFixed(2)}/s`;
    case 'bytes': return `${(v / 1048576).toFixed(1)} MiB`;
    default: return v >= 100 ? v.toFixed(0) : v.toFixed(2);
  }
}

function box(panel, parent) {
  const el = document.createElement('section');
  el.className = `panel ${panel.type === 'stat' ? 'stat' : 'chart'}`;
  el.dataset.title = panel.title;
  el.innerHTML = '<h2></h2><div class="body"></div>';
  el.querySelector('h2').textContent = panel.title;
  parent.append(el);
  return el;
}

async function drawStat(panel, el) {
  const result = await api('query', { query: substitute(panel.targets[0].expr) });
  const v = result.length ? Number(result[0].value[1]) : NaN;
  el.querySelector('.body').innerHTML = '<div class="value"></div>';
  el.querySelector('.value').textContent = formatValue(v, panel.fieldConfig?.defaults?.unit);
  el.dataset.points = String(result.length);
}

async function drawChart(panel, el) {
  const end = Math.floor(Date.now() / 1000);
  const start = end - RANGE_S;
  const unit = panel.fieldConfig?.defaults?.unit;
  const lines = [];
  for (const t of panel.targets) {
    const result = await api('query_range', { query: substitute(t.expr), start, end, step: STEP_S });
    for (const s of result) lines.push({ label: legend(t.legendFormat, s.metric), values: new Map(s.values.map(([ts, v]) => [ts, Number(v)])) });
  }
  const body = el.querySelector('.body');
  body.textContent = '';
  el.dataset.points = String(lines.reduce((n, l) => n + l.values.size, 0));
  if (!lines.length) {
    body.innerHTML = '<div class="nodata">no data</div>';
    return;
  }
  const xs = [];
  for (let ts = start; ts <= end; ts += STEP_S) xs.push(ts);
  const data = [xs, ...lines.map((l) => xs.map((ts) => (l.values.has(ts) ? l.values.get(ts) : null)))];
  const width = Math.max(300, body.clientWidth || 540);
  new uPlot({
    width, height: 220,
    series: [{}, ...lines.map((l, i) => ({ label: l.label, stroke: COLORS[i % COLORS.length], width: 1.5, value: (u, v) => formatValue(v, unit) }))],
    // From 0, and a small range when every value is 0 (no errors, say).
    scales: { y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : (unit === 'percentunit' ? 0.01 : 1)] } },
    axes: [{}, { size: 80, values: (u, vals) => vals.map((v) => formatValue(v, unit)) }],
    legend: { live: false },
  }, data, body);
}

async function refresh(panels, boxes) {
  const status = document.getElementById('status');
  let failed = 0;
  await Promise.all(panels.map(async (p, i) => {
    try {
      await (p.type === 'stat' ? drawStat(p, boxes[i]) : drawChart(p, boxes[i]));
      boxes[i].classList.remove('error');
    } catch (err) {
      failed++;
      boxes[i].classList.add('error');
      boxes[i].querySelector('.body').textContent = `query failed: ${err.message}`;
    }
  }));
  status.textContent = `${panels.length} panels from Prometheus, last ${RANGE_S / 60} min, updated ${new Date().toLocaleTimeString()}` +
    (failed ? `; ${failed} failed` : '');
  document.body.dataset.drawn = String(Number(document.body.dataset.drawn ?? 0) + 1);
}

async function main() {
  const dashboard = await (await fetch('overview.json')).json();
  document.querySelector('h1').textContent = dashboard.title;
  document.title = `${dashboard.title} (ops)`;
  const main = document.getElementById('panels');
  const stats = document.createElement('div');
  stats.className = 'stat-row';
  main.append(stats);
  const boxes = dashboard.panels.map((p) => box(p, p.type === 'stat' ? stats : main));
  await refresh(dashboard.panels, boxes);
  setInterval(() => refresh(dashboard.panels, boxes), STEP_S * 1000);
}

main().catch((err) => { document.getElementById('status').textContent = `cannot draw: ${err.message}`; });
