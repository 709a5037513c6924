// tracing-shop.test.mjs - traces across the whole shop, started the way
// `make run` starts it (scripts/stack, on a port offset of its own) with
// OTEL_EXPORTER_OTLP_ENDPOINT pointing at a test receiver. A checkout (add
// to cart, confirm the shipping, pay) is three requests and three traces;
// the payment's trace is one tree that spans web -> payment -> user and
// cart -> RabbitMQ -> dispatch: one root, every other span's parent in the
// trace, each hop's kind and key attributes as the conventions say.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from './lib/otlp.mjs';
import { startStack } from './lib/stack.mjs';
import { sleep } from './lib/service.mjs';

const SERVER = 2, CLIENT = 3, PRODUCER = 4, CONSUMER = 5;

// One trace's spans, checked to be one tree: the root, and every span's
// parent among the spans.
function tree(spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  assert.equal(ids.size, spans.length, 'span ids are unique');
  const roots = spans.filter((s) => !s.parentSpanId);
  assert.equal(roots.length, 1, `one root: ${roots.map((s) => `${s.service} ${s.name}`).join(', ')}`);
  for (const s of spans)
    if (s !== roots[0]) assert.ok(ids.has(s.parentSpanId), `the parent of ${s.service} "${s.name}" is in the trace`);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  return { root: roots[0], parent: (s) => byId.get(s.parentSpanId) };
}

const describeSpans = (spans) => spans.map((s) => `${s.service} ${s.kind} ${s.name} <- ${s.parentSpanId ?? '-'}`).join('\n');

describe('traces across the shop', () => {
  let receiver, SHOP, stack;

  before(async () => {
    receiver = await startReceiver();
    stack = await startStack('rs-trace-stack-', {
      ACCESS_LOG: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    SHOP = stack.url;
  }, { timeout: 320000 });

  after(async () => {
    try {
      await stack?.stop();   // a sanitizer report in the shop's logs fails the file
    } finally {
      await receiver?.close();
    }
  });

  // The spans of the trace that the request's answer came in, once
  // `until` holds for them (spans arrive in batches, dispatch's last).
  async function traceOf(traceId, until, ms = 15000) {
    const deadline = Date.now() + ms;
    let spans = [];
    while (Date.now() < deadline) {
      spans = receiver.spans.filter((s) => s.traceId === traceId);
      if (until(spans)) break;
      await sleep(50);
    }
    await sleep(300);   // and whatever else still comes
    return receiver.spans.filter((s) => s.traceId === traceId);
  }

  // Sends a request with a traceparent of our own making, unsampled parent
  // left out: the shop starts the trace, and its id is found by the path.
  async function shop(method, pathname, body) {
    const res = await fetch(`${SHOP}${pathname}`, {
      method, headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    assert.equal(res.status, 200, `${method} ${pathname}: ${text}`);
    const root = await (async () => {
      for (let i = 0; i < 200; i++) {
        const s = receiver.spans.find((x) => x.service === 'web' && x.kind === SERVER &&
          x.attrs['url.path'] === pathname && !x.seen);
        if (s) { s.seen = true; return s; }
        await sleep(25);
      }
      return undefined;
    })();
    assert.ok(root, `no web SERVER span for ${pathname}`);
    return { doc: JSON.parse(text), traceId: root.traceId };
  }

  test('a checkout: three requests, three traces, the payment one tree from web to dispatch', async (ctx) => {
    const id = 'stan';
    const add = await shop('GET', `/api/cart/add/${id}/RB-MOPSY-2/1`);
    const confirm = await shop('POST', `/api/shipping/confirm/${id}`, { distance: 100, cost: 12.5, location: 'Testville' });
    const pay = await shop('POST', `/api/payment/pay/${id}`, confirm.doc);
    assert.equal(new Set([add.traceId, confirm.traceId, pay.traceId]).size, 3);

    // add to cart: web -> cart -> catalogue
    const addSpans = await traceOf(add.traceId, (s) => s.some((x) => x.service === 'catalogue' && x.kind === SERVER));
    tree(addSpans);
    assert.deepEqual([...new Set(addSpans.map((s) => s.service))].sort(), ['cart', 'catalogue', 'web'], describeSpans(addSpans));

    // shipping confirm: web -> shipping -> cart
    const confirmSpans = await traceOf(confirm.traceId, (s) => s.some((x) => x.service === 'cart' && x.kind === SERVER));
    tree(confirmSpans);
    assert.deepEqual([...new Set(confirmSpans.map((s) => s.service))].sort(), ['cart', 'shipping', 'web'], describeSpans(confirmSpans));

    // pay: web -> payment -> user, cart; payment -> RabbitMQ -> dispatch
    const spans = await traceOf(pay.traceId, (s) => s.some((x) => x.service === 'dispatch'));
    const t = tree(spans);
    const txt = describeSpans(spans);
    ctx.diagnostic(txt);
    assert.deepEqual([...new Set(spans.map((s) => s.service))].sort(),
      ['cart', 'dispatch', 'payment', 'user', 'web'], txt);
    const one = (pred, what) => {
      const found = spans.filter(pred);
      assert.ok(found.length >= 1, `${what}\n${txt}`);
      return found[0];
    };

    assert.equal(t.root.service, 'web');
    assert.equal(t.root.kind, SERVER);
    assert.equal(t.root.attrs['http.request.method'], 'POST');
    assert.equal(t.root.attrs['http.response.status_code'], 200);
    assert.equal(t.root.attrs['url.path'], `/api/payment/pay/${id}`);

    const proxied = one((s) => s.service === 'web' && s.kind === CLIENT, 'the gateway calls payment');
    assert.equal(t.parent(proxied), t.root);
    assert.equal(proxied.attrs['http.request.method'], 'POST');
    assert.equal(proxied.attrs['server.port'], stack.port(8086));
    assert.equal(proxied.attrs['http.response.status_code'], 200);

    const payment = one((s) => s.service === 'payment' && s.kind === SERVER, 'payment serves');
    assert.equal(t.parent(payment), proxied);
    assert.equal(payment.name, 'POST /pay/{id}');
    assert.equal(payment.attrs['http.route'], '/pay/{id}');

    for (const [service, route] of [['user', '/check/{id}'], ['cart', '/cart/{id}']]) {
      const served = one((s) => s.service === service && s.kind === SERVER && s.attrs['http.route'] === route,
        `${service} serves ${route}`);
      const call = t.parent(served);
      assert.equal(call.service, 'payment');
      assert.equal(call.kind, CLIENT);
      assert.equal(call.attrs['peer.service'], service);
      assert.equal(t.parent(call), payment);
    }
    for (const [route, operation] of [['/check/{id}', 'find'], ['/order/{id}', 'add_order']]) {
      const db = one((s) => s.service === 'user' && s.kind === CLIENT && s.attrs['db.operation.name'] === operation,
        `user's store: ${operation}`);
      assert.equal(t.parent(db).attrs['http.route'], route);
      assert.equal(db.attrs['db.system.name'], 'sqlite');
    }
    const cartDb = one((s) => s.service === 'cart' && s.kind === CLIENT && s.attrs['db.system.name'] === 'redis' &&
      s.attrs['db.operation.name'] === 'delete', 'cart deletes the cart in Redis');
    assert.equal(t.parent(cartDb).service, 'cart');
    assert.equal(t.parent(cartDb).kind, SERVER);
    assert.equal(cartDb.attrs['server.address'], '127.0.0.1');
    assert.equal(cartDb.attrs['server.port'], stack.port(16379));

    const publish = one((s) => s.kind === PRODUCER, 'payment publishes');
    assert.equal(publish.service, 'payment');
    assert.equal(t.parent(publish), payment);
    assert.equal(publish.name, 'publish robot-shop');
    assert.equal(publish.attrs['messaging.system'], 'rabbitmq');
    assert.equal(publish.attrs['messaging.destination.name'], 'robot-shop');
    assert.equal(publish.attrs['messaging.operation.type'], 'send');
    assert.equal(publish.attrs['messaging.message.id'], pay.doc.orderid);

    const processed = one((s) => s.kind === CONSUMER, 'dispatch processes');
    assert.equal(processed.service, 'dispatch');
    assert.equal(t.parent(processed), publish);
    assert.equal(processed.name, 'process orders');
    assert.equal(processed.attrs['messaging.system'], 'rabbitmq');
    assert.equal(processed.attrs['messaging.destination.name'], 'orders');
    assert.equal(processed.attrs['messaging.operation.type'], 'process');
    assert.equal(processed.attrs['messaging.message.id'], pay.doc.orderid);

    // times: every child within its trace's span of time
    const start = BigInt(t.root.startTimeUnixNano);
    for (const s of spans) assert.ok(BigInt(s.startTimeUnixNano) >= start - 5000000n, `${s.name} starts after the root`);
    assert.deepEqual(receiver.bad, []);
  });
});
