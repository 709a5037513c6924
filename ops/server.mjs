// server.mjs - the local ops page of `make run`: the shop's overview drawn
// live from Prometheus, for a person without Grafana. Serves, on
// 127.0.0.1:$OPS_PORT,
//   /ops/                the page (ops/index.html, ops.js, ops.css),
//   /ops/vendor/…        uPlot as npm ships it (node_modules/uplot/dist),
//   /ops/overview.json   the monitoring component's Grafana overview
//                        dashboard, whose panels the page draws,
//   /api/v1/…            Prometheus's HTTP API, passed on (GET only), so
//                        that the page needs one origin and no CORS.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.OPS_PORT ?? 19091);
const PROMETHEUS = process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:19090';

const FILES = {
  '/ops/': ['ops/index.html', 'text/html; charset=utf-8'],
  '/ops/ops.js': ['ops/ops.js', 'text/javascript; charset=utf-8'],
  '/ops/ops.css': ['ops/ops.css', 'text/css; charset=utf-8'],
  '/ops/vendor/uPlot.iife.min.js': ['node_modules/uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
  '/ops/vendor/uPlot.min.css': ['node_modules/uplot/dist/uPlot.min.css', 'text/css; charset=utf-8'],
  '/ops/overview.json': ['deploy/kubernetes/components/monitoring/dashboards/overview.json', 'application/json'],
};
const HEADERS = {
  'Cache-Control': 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
};

function send(res, status, type, body) {
  res.writeHead(status, { ...HEADERS, 'Content-Type': type });
  res.end(body);
}

async function proxy(req, res, url) {
  try {
    const upstream = await fetch(new URL(url.pathname + url.search, PROMETHEUS), { signal: AbortSignal.timeout(10000) });
    send(res, upstream.status, upstream.headers.get('content-type') ?? 'application/json', Buffer.from(await upstream.arrayBuffer()));
  } catch (err) {
    send(res, 502, 'application/json', JSON.stringify({ status: 'error', error: `prometheus: ${err.message}` }));
  }
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
  if (url.pathname === '/health') return send(res, 200, 'text/plain', 'ok\n');
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204, HEADERS);
    return res.end();
  }
  if (url.pathname === '/' || url.pathname === '/ops') {
    res.writeHead(302, { Location: '/ops/' });
    return res.end();
  }
  if (url.pathname.startsWith('/api/v1/')) return proxy(req, res, url);
  const file = FILES[url.pathname];
  if (!file) return send(res, 404, 'text/plain', 'not found\n');
  try {
    send(res, 200, file[1], await readFile(path.join(ROOT, file[0])));
  } catch {
    send(res, 500, 'text/plain', `cannot read ${file[0]}\n`);
  }
});
server.listen(PORT, '127.0.0.1', () => console.log(JSON.stringify({ msg: `ops page on http://127.0.0.1:${PORT}/ops/, from ${PROMETHEUS}` })));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
