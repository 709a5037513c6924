// tracing.test.mjs - the OTLP span export of one service (catalogue) against
// a test receiver: off without an endpoint (no exporter thread, no
// connection, no otel metrics), on with one (OTEL_EXPORTER_OTLP_ENDPOINT with
// /v1/traces, or the traces endpoint as it is), the SERVER and db spans and
// their attributes, the incoming trace continued, the samplers, the
// headers, the bounded queue's drops counted, and bad settings refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startReceiver } from './lib/otlp.mjs';
import { metricValue, removeDir, runToExit, binary, sleep, startService, tempDir } from './lib/service.mjs';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

function threadNames(pid) {
  return readdirSync(`/proc/${pid}/task`).map((t) => {
    try { return readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(); } catch { return ''; }
  });
}

async function waitFor(cond, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await sleep(20);
  }
  return cond();
}

describe('span export', () => {
  let receiver, dir;
  const running = [];

  before(async () => {
    receiver = await startReceiver();
    dir = tempDir('rs-trace-');
  });

  after(async () => {
    for (const s of running) await s.stop().catch(() => {});
    await receiver.close();
    removeDir(dir);
  });

  async function catalogue(env) {
    const svc = await startService('catalogue', {
      DOCSTORE_PATH: path.join(dir, `catalogue-${running.length}.db`), OTEL_BSP_SCHEDULE_DELAY: '50', ...env,
    });
    running.push(svc);
    return svc;
  }

  const spansOf = (trace) => receiver.spans.filter((s) => s.traceId === trace);

  test('without an endpoint: no exporter thread, no connection, no otel metrics', async () => {
    const before = receiver.posts;
    for (const env of [{}, { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }]) {
      const svc = await catalogue(env);
      for (let i = 0; i < 5; i++) await (await fetch(`${svc.url}/product/RB-MOPSY-2`)).arrayBuffer();
      await sleep(300);
      assert.ok(!threadNames(svc.child.pid).includes('rs-otlp'), threadNames(svc.child.pid).join(','));
      const metrics = await (await fetch(`${svc.url}/metrics`)).text();
      assert.ok(!metrics.includes('otel_spans'), 'otel metrics declared');
      await svc.stop();
    }
    assert.equal(receiver.posts, before, 'the receiver was called');
  });

  test('with OTEL_EXPORTER_OTLP_ENDPOINT: a SERVER span per request and a db span under it', async () => {
    // a host name and a port, as a cluster's http://otel-collector.monitoring:4318
    const svc = await catalogue({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://localhost:${receiver.port}/` });
    assert.ok(threadNames(svc.child.pid).includes('rs-otlp'));
    const res = await fetch(`${svc.url}/product/RB-MOPSY-2`, {
      headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.ok(await waitFor(() => spansOf(TRACE).length >= 2), JSON.stringify(receiver.spans));
    assert.ok(receiver.paths.has('POST /v1/traces'), [...receiver.paths].join());
    assert.deepEqual([...receiver.contentTypes], ['application/json']);
    const server = spansOf(TRACE).find((s) => s.kind === 2);
    assert.equal(server.name, 'GET /product/{sku}');
    assert.equal(server.service, 'catalogue');
    assert.equal(server.parentSpanId, PARENT);
    assert.match(server.spanId, /^[0-9a-f]{16}$/);
    assert.match(server.startTimeUnixNano, /^\d+$/);
    assert.ok(BigInt(server.endTimeUnixNano) >= BigInt(server.startTimeUnixNano));
    assert.ok(Math.abs(Number(BigInt(server.startTimeUnixNano) / 1000000n) - Date.now()) < 60000);
    assert.deepEqual(
      { ...server.attrs, 'server.port': undefined },
      {
        'http.request.method': 'GET', 'url.path': '/product/RB-MOPSY-2', 'url.scheme': 'http',
        'http.route': '/product/{sku}', 'http.response.status_code': 200,
        'server.address': '127.0.0.1', 'server.port': undefined, 'client.address': '127.0.0.1',
        'network.protocol.version': '1.1',
      });
    assert.equal(server.attrs['server.port'], svc.port);
    assert.equal(server.status, undefined);
    const db = spansOf(TRACE).find((s) => s.kind === 3);
    assert.equal(db.parentSpanId, server.spanId);
    assert.equal(db.name, 'get sqlite');
    assert.equal(db.attrs['db.system.name'], 'sqlite');
    assert.equal(db.attrs['db.operation.name'], 'get');
    // counted once the receiver's answer is in, just after it has the spans
    let metrics = '';
    for (let i = 0; i < 100 && metricValue(metrics, 'otel_spans_exported_total') < 2; i++) {
      if (i > 0) await sleep(20);
      metrics = await (await fetch(`${svc.url}/metrics`)).text();
    }
    assert.ok(metricValue(metrics, 'otel_spans_exported_total') >= 2, metrics);
    await svc.stop();
  });

  test('no span for the probes; a 404 has the route; OTEL_SERVICE_NAME and resource attributes', async () => {
    const svc = await catalogue({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_SERVICE_NAME: 'shelf',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,team=robots%20shop',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=secret%3D1, x-other = two',
    });
    const trace = 'a'.repeat(31) + '1';
    for (const p of ['/health', '/ready', '/metrics', '/product/NOPE'])
      await (await fetch(`${svc.url}${p}`, { headers: { traceparent: `00-${trace}-${PARENT}-01` } })).arrayBuffer();
    assert.ok(await waitFor(() => spansOf(trace).some((s) => s.kind === 2)));
    await sleep(200);
    const servers = spansOf(trace).filter((s) => s.kind === 2);
    assert.deepEqual(servers.map((s) => s.attrs['url.path']), ['/product/NOPE']);
    assert.equal(servers[0].attrs['http.response.status_code'], 404);
    assert.equal(servers[0].status, undefined, '4xx is not an error on the server side');
    assert.equal(servers[0].service, 'shelf');
    assert.equal(servers[0].resource['deployment.environment.name'], 'test');
    assert.equal(servers[0].resource.team, 'robots shop');
    assert.equal(servers[0].headers['x-api-key'], 'secret=1');
    assert.equal(servers[0].headers['x-other'], 'two');
    await svc.stop();
  });

  test('samplers: always_off, parent-based on an unsampled parent, traceidratio 0 and 1', async () => {
    const cases = [
      [{ OTEL_TRACES_SAMPLER: 'always_off' }, '01', false],
      [{}, '00', false],
      [{ OTEL_TRACES_SAMPLER: 'always_on' }, '00', true],
      [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, '01', true],
      [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, '01', false],
      [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }, '00', true],
    ];
    let n = 0;
    for (const [env, flags, exported] of cases) {
      const svc = await catalogue({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env });
      const trace = (++n).toString(16).padStart(32, 'b');
      const res = await fetch(`${svc.url}/product/RB-MOPSY-2`, { headers: { traceparent: `00-${trace}-${PARENT}-${flags}` } });
      await res.arrayBuffer();
      await svc.stop();   // the last flush sends what is queued
      assert.equal(spansOf(trace).length > 0, exported, `${JSON.stringify(env)} flags ${flags}`);
    }
    // a new trace (no traceparent) under always_off: the flag passed on says "not sampled"
    const svc = await catalogue({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: 'always_off' });
    const before = receiver.spans.length;
    await (await fetch(`${svc.url}/product/RB-MOPSY-2`)).arrayBuffer();
    await svc.stop();
    assert.equal(receiver.spans.length, before);
  });

  test('a full queue drops spans and counts them', async () => {
    const svc = await catalogue({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_MAX_QUEUE_SIZE: '4',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4', OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    // 10 requests, 2 spans each (SERVER and db), into a queue of 4 that
    // the exporter only empties once it is full
    for (let i = 0; i < 10; i++) await (await fetch(`${svc.url}/product/RB-MOPSY-2`)).arrayBuffer();
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    const dropped = metricValue(metrics, 'otel_spans_dropped_total', { reason: 'queue_full' });
    const exported = metricValue(metrics, 'otel_spans_exported_total') ?? 0;
    assert.ok(dropped > 0, metrics);
    assert.ok(dropped + exported <= 20);
    await svc.stop();
  });

  test('an unreachable receiver: requests are answered, the batches counted as failed', async () => {
    const svc = await catalogue({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_TIMEOUT: '200' });
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${svc.url}/product/RB-MOPSY-2`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    await sleep(500);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    assert.ok(metricValue(metrics, 'otel_spans_dropped_total', { reason: 'export_failed' }) > 0, metrics);
    const e = await svc.stop();
    assert.equal(e.code, 0);
  });

  test('bad settings are refused at start (exit 2)', async () => {
    for (const env of [
      { OTEL_TRACES_SAMPLER: 'sometimes' },
      { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_MAX_QUEUE_SIZE: 'lots' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_RESOURCE_ATTRIBUTES: 'novalue' },
    ]) {
      const r = await runToExit(binary('catalogue'), {
        PATH: process.env.PATH, PORT: '1', DOCSTORE_PATH: path.join(dir, 'refused.db'), ...env,
      });
      assert.equal(r.code, 2, `${JSON.stringify(env)}: ${r.stderr}${r.stdout}`);
    }
  });
});
