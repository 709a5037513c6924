// The Istio objects (components/istio) keep the mesh policies of
// lib/mesh-policy.mjs in every rendered tree that has them; each rule is
// then shown to catch a broken copy of the production overlay (the seed's
// bug among them: a VirtualService with no /api/user route).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { expectCaughtIn, violationsOf } from './lib/caught.mjs';
import { KUBE_DIR, render, renderTargets } from './lib/kube.mjs';
import { MESH_RULES, clientPrefixes } from './lib/mesh-policy.mjs';

const violations = (objects) => violationsOf(objects, MESH_RULES);

test('the clients call the six /api services', () => {
  assert.deepEqual(clientPrefixes(), ['/api/cart/', '/api/catalogue/', '/api/payment/', '/api/ratings/', '/api/shipping/', '/api/user/']);
});

describe('every rendered tree in the mesh keeps the mesh policies', () => {
  for (const target of renderTargets()) {
    test(target.name, () => assert.deepEqual(violations(render(target.dir)), []));
  }
});

describe('each mesh policy catches a broken tree', () => {
  const production = render(path.join(KUBE_DIR, 'overlays/production'));
  const find = (objects, kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const routes = (objects) => find(objects, 'VirtualService', 'robot-shop').spec.http;

  const expectCaught = expectCaughtIn(production, violations);

  test('a VirtualService without /api/user routes', () => expectCaught((o) => {
    const vs = find(o, 'VirtualService', 'robot-shop');
    vs.spec.http = vs.spec.http.filter((r) => !JSON.stringify(r.match ?? []).includes('/api/user/'));
  }, /^VirtualService\/robot-shop\/robot-shop: spec\.http: no route for \/api\/user\/ \(every method\) before \//));

  test('the storefront routes before the /api routes', () => {
    expectCaught((o) => { const http = routes(o); http.unshift(http.pop()); }, /spec\.http\[0\]: the route for \/ is not last/);
    expectCaught((o) => { const http = routes(o); http.unshift(http.splice(http.length - 2, 1)[0]); },
      /spec\.http\[0\] \(storefront-reads\): a route for \/ before the \/api routes/);
  });

  test('a route to a Service or port that does not exist', () => {
    expectCaught((o) => { routes(o)[0].route[0].destination.host = 'catalog.robot-shop.svc.cluster.local'; }, /no Service catalog/);
    expectCaught((o) => { routes(o)[0].route[0].destination.port.number = 80; }, /Service catalogue has no port 80/);
  });

  test('a route without a timeout', () => expectCaught((o) => { delete routes(o)[1].timeout; }, /\(catalogue-writes\): no timeout/));

  test('retries on writes, on a GET that changes state, or left to Istio', () => {
    expectCaught((o) => { routes(o).find((r) => r.name === 'payment-writes').retries = { attempts: 2 }; },
      /\(payment-writes\): retries a route that is not GET-only/);
    expectCaught((o) => {
      const add = routes(o).find((r) => r.name === 'cart-add');
      add.match[0].method = { exact: 'GET' };
      add.retries = { attempts: 2 };
    }, /\(cart-add\): retries \/api\/cart\/add\/, a GET that changes state/);
    expectCaught((o) => { delete routes(o).find((r) => r.name === 'user-writes').retries; }, /\(user-writes\): retries unset/);
  });

  test('a destination without a pool, outlier detection or mutual TLS', () => {
    expectCaught((o) => { delete find(o, 'DestinationRule', 'cart').spec.trafficPolicy.outlierDetection; },
      /DestinationRule\/robot-shop\/cart: spec\.trafficPolicy\.outlierDetection: missing/);
    expectCaught((o) => { o.splice(o.indexOf(find(o, 'DestinationRule', 'ratings')), 1); },
      /destination ratings\.robot-shop\.svc\.cluster\.local: no DestinationRule/);
  });

  test('mutual TLS not strict', () => expectCaught((o) => {
    find(o, 'PeerAuthentication', 'default').spec.mtls.mode = 'PERMISSIVE';
  }, /PeerAuthentication\/robot-shop\/default: spec\.mtls\.mode: must be STRICT/));

  test('a call the authorization policies refuse', () => expectCaught((o) => {
    const rules = find(o, 'AuthorizationPolicy', 'redis').spec.rules[0];
    rules.from[0].source.principals = rules.from[0].source.principals.filter((p) => !p.endsWith('/sa/cart'));
  }, /StatefulSet\/robot-shop\/redis: no AuthorizationPolicy allows cart/));

  test('a call the authorization policies allow and the shop does not make', () => expectCaught((o) => {
    find(o, 'AuthorizationPolicy', 'mysql').spec.rules[0].from[0].source.principals.push('cluster.local/ns/robot-shop/sa/web');
  }, /AuthorizationPolicy\/robot-shop\/mysql: spec\.rules\[0\]: allows cluster\.local\/ns\/robot-shop\/sa\/web to call mysql/));

  test('an internal route reachable from the ingress', () => {
    expectCaught((o) => {
      const ingress = find(o, 'AuthorizationPolicy', 'user').spec.rules[1].to[0].operation;
      ingress.notPaths = ingress.notPaths.filter((p) => p !== '/order/*');
    }, /spec\.rules\[1\]: the ingress may reach user's \/order\/\*/);
    expectCaught((o) => {
      const ingress = find(o, 'AuthorizationPolicy', 'cart').spec.rules[1];
      delete ingress.to;
    }, /spec\.rules\[1\]: the ingress may reach cart's \/shipping\/\*/);
  });

  test('a canary split that does not sum to 100 or names a missing subset', () => {
    const canary = render(path.join(KUBE_DIR, 'tests/production-canary'));
    const payment = (objects) => routes(objects).find((r) => r.name === 'payment-writes');
    assert.deepEqual(payment(canary).route.map((d) => [d.destination.subset, d.weight]), [['v1', 90], ['v2', 10]]);
    const broken = (mutate) => { const o = structuredClone(canary); mutate(o); return violations(o); };
    assert.ok(broken((o) => { payment(o).route[1].weight = 20; }).some((v) => /\(payment-writes\): weights sum to 110, not 100/.test(v)));
    assert.ok(broken((o) => { payment(o).route[1].destination.subset = 'v3'; })
      .some((v) => /\(payment-writes\)\.route\[1\]: subset v3 of payment\.robot-shop\.svc\.cluster\.local is defined by no DestinationRule/.test(v)));
    assert.ok(broken((o) => { o.splice(o.findIndex((x) => x.metadata.name === 'payment-v2' && x.kind === 'Deployment'), 1); })
      .some((v) => /subset v2 \({"version":"v2"}\) selects no pods behind payment/.test(v)));
  });

  test('no allow-nothing default', () => expectCaught((o) => {
    o.splice(o.indexOf(find(o, 'AuthorizationPolicy', 'allow-nothing')), 1);
  }, /no allow-nothing default/));
});
