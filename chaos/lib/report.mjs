// report.mjs - what `make chaos` leaves behind: a text report (each
// experiment's hypothesis, its checks ✓/✗ with their figures, the verdict)
// and one HTML page with, per experiment, the load's timeline (requests a
// second, errors a second, p95, journeys in flight) drawn as inline SVG,
// the fault's window shaded; the page needs no script and no other file.
import { seconds } from './verdict.mjs';

const mark = (ok) => (ok ? '✓' : '✗');

export function textReport(results) {
  const lines = [];
  for (const r of results) {
    lines.push(`${mark(r.passed)} ${r.name}: ${r.title}`);
    if (r.error) lines.push(`    could not run: ${r.error}`);
    if (r.repeated) lines.push(`    run twice: the first time the steady state did not hold before the fault (${r.repeated})`);
    for (const h of r.hypothesis) lines.push(`    hypothesis: ${h}`);
    for (const c of r.checks) lines.push(`    ${mark(c.ok)} ${c.name}: ${c.detail}`);
    if (r.doc) {
      const t = r.doc.totals;
      lines.push(`    load: ${t.requests} requests, ${t.errors} errors, ${t.rps.toFixed(1)} req/s, p95 ${(t.latency_us.p95 / 1000).toFixed(1)} ms`);
    }
    lines.push('');
  }
  const failed = results.filter((r) => !r.passed).map((r) => r.name);
  lines.push(failed.length ? `${failed.length} of ${results.length} hypotheses failed: ${failed.join(', ')}`
    : `${results.length} of ${results.length} hypotheses held`);
  return `${lines.join('\n')}\n`;
}

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

// One chart: a line of values over the run's seconds, the fault's window
// shaded; x in seconds from the load's start.
function chart(title, points, windows, unit, color) {
  const W = 640, H = 120, L = 48, R = 8, T = 18, B = 20;
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const xmax = Math.max(1, ...xs), ymax = (Math.max(0, ...ys) || 1) * 1.1;
  const X = (x) => L + (x / xmax) * (W - L - R);
  const Y = (y) => T + (1 - y / ymax) * (H - T - B);
  const shade = windows.map((w) => `<rect x="${X(Math.max(0, w.from)).toFixed(1)}" y="${T}" width="${Math.max(1, X(w.to) - X(Math.max(0, w.from))).toFixed(1)}" height="${H - T - B}" fill="${w.fill}" opacity="0.35"><title>${escape(w.label)}</title></rect>`).join('');
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join('');
  const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const ticks = [0, 0.5, 1].map((f) => `<text x="${L - 4}" y="${Y(ymax * f / 1.1) + 4}" text-anchor="end">${fmt(ymax * f / 1.1)}</text>`).join('');
  const xticks = Array.from({ length: Math.floor(xmax / 10) + 1 }, (_, i) => i * 10)
    .map((x) => `<text x="${X(x)}" y="${H - 6}" text-anchor="middle">${x}s</text>`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escape(title)}">
<text x="${L}" y="12" class="t">${escape(title)} (${escape(unit)})</text>${shade}
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#999"/>${ticks}${xticks}
<path d="${path}" fill="none" stroke="${color}" stroke-width="1.5"/></svg>`;
}

function experimentSection(r) {
  const checks = r.checks.map((c) => `<li class="${c.ok ? 'ok' : 'bad'}">${mark(c.ok)} <b>${escape(c.name)}</b>: ${escape(c.detail)}</li>`).join('');
  let charts = '';
  if (r.doc && r.events?.faultStart) {
    const t0 = Date.parse(r.doc.started);
    const s = seconds(r.doc);
    const at = (ms) => (ms - t0) / 1000;
    const windows = [{ from: at(r.events.faultStart), to: at(r.events.faultEnd), fill: '#e4572e', label: 'fault' }];
    const series = (key) => s.map((p) => ({ x: p.t - 0.5, y: p[key] }));
    charts = `<div class="charts">
${chart('requests a second', series('requests'), windows, 'req/s', '#2e86ab')}
${chart('errors a second', series('errors'), windows, 'errors/s', '#c0392b')}
${chart('p95 latency', series('p95Ms'), windows, 'ms', '#6a4c93')}
${chart('journeys in flight', series('active'), windows, 'journeys', '#3b8b5a')}
</div><p class="legend"><span class="fault"></span> the fault's window: ${at(r.events.faultStart).toFixed(1)} s to ${at(r.events.faultEnd).toFixed(1)} s</p>`;
  }
  return `<section><h2 class="${r.passed ? 'ok' : 'bad'}">${mark(r.passed)} ${escape(r.name)}: ${escape(r.title)}</h2>
<p class="h">Hypothesis:</p><ul>${r.hypothesis.map((h) => `<li>${escape(h)}</li>`).join('')}</ul>
${r.error ? `<p class="bad">could not run: ${escape(r.error)}</p>` : ''}
${r.repeated ? `<p>Run twice: the first time the steady state did not hold before the fault (${escape(r.repeated)}).</p>` : ''}
<ul class="checks">${checks}</ul>${charts}</section>`;
}

export function htmlReport(results, meta) {
  const held = results.filter((r) => r.passed).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chaos experiments ${escape(meta.started)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1320px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin:0 0 6px}section{border:1px solid #ddd;border-radius:6px;padding:12px 16px;margin:14px 0}
.ok{color:#1e7b34}.bad{color:#b3261e}ul{margin:4px 0 8px}.checks{list-style:none;padding-left:4px}.h{margin:4px 0 0;font-weight:600}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:6px 18px}svg{width:100%;height:auto;font:10px system-ui,sans-serif;fill:#444}
svg .t{font-weight:600;font-size:11px}.legend{font-size:12px;color:#555}.fault{display:inline-block;width:12px;height:10px;background:#e4572e;opacity:.45}
</style></head><body>
<h1>Chaos experiments: ${held} of ${results.length} hypotheses held</h1>
<p>${escape(meta.started)} · shop ${escape(meta.shop)} · load: rs-load ${escape(meta.load)}${meta.quick ? ' · quick mode' : ''}</p>
${results.map(experimentSection).join('\n')}
</body></html>
`;
}
