// otlp.mjs - a test OTLP/HTTP receiver: takes POST /v1/traces (the JSON
// encoding), keeps every span with its resource's service.name, and answers
// 200 as a collector does. discard: true takes the batches without keeping
// them (for benchmarks); port 0 (the default) takes a free one.
import http from 'node:http';

function anyValue(v) {
  if (v == null) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('boolValue' in v) return v.boolValue;
  if ('doubleValue' in v) return v.doubleValue;
  return v;
}

export function attributes(list = []) {
  return Object.fromEntries(list.map((kv) => [kv.key, anyValue(kv.value)]));
}

export async function startReceiver({ discard = false, host = '127.0.0.1', port = 0 } = {}) {
  const receiver = { spans: [], posts: 0, contentTypes: new Set(), paths: new Set(), bad: [] };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => { if (!discard) chunks.push(c); });
    req.on('end', () => {
      receiver.posts++;
      receiver.paths.add(`${req.method} ${req.url}`);
      receiver.contentTypes.add(req.headers['content-type']);
      if (!discard) {
        try {
          const doc = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          for (const rs of doc.resourceSpans ?? []) {
            const resource = attributes(rs.resource?.attributes);
            for (const ss of rs.scopeSpans ?? []) {
              for (const span of ss.spans ?? []) {
                receiver.spans.push({ ...span, service: resource['service.name'], resource,
                  attrs: attributes(span.attributes), headers: req.headers });
              }
            }
          }
        } catch (err) {
          receiver.bad.push(String(err));
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  receiver.port = server.address().port;
  receiver.url = `http://${host}:${receiver.port}`;
  receiver.close = () => new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
  return receiver;
}
