// The autoscaling component keeps lib/scaling-policy.mjs in every rendered
// tree; each rule is shown to catch a broken copy of production; and every
// custom metric's source series is read off a running service's /metrics.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectCaughtIn } from './lib/caught.mjs';
import { KUBE_DIR, render, renderTargets } from './lib/kube.mjs';
import { adapterRules, autoscalerRules, sourceSeries } from './lib/scaling-policy.mjs';
import { removeDir, startService, tempDir } from '../api/lib/service.mjs';

describe('every rendered tree keeps the autoscaling policies', () => {
  for (const target of renderTargets()) {
    test(target.name, () => assert.deepEqual(autoscalerRules(render(target.dir)), []));
  }
});

describe('each autoscaling policy catches a broken tree', () => {
  const production = render(path.join(KUBE_DIR, 'overlays/production'));
  const find = (objects, kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  const expectCaught = expectCaughtIn(production, autoscalerRules);

  test('production autoscales every stateless service, and only with Off VPAs', () => {
    const hpas = production.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.spec.scaleTargetRef.name);
    const keda = production.filter((o) => o.kind === 'ScaledObject').map((o) => o.spec.scaleTargetRef.name);
    assert.deepEqual([...hpas, ...keda].sort(), ['cart', 'catalogue', 'dispatch', 'payment', 'ratings', 'shipping', 'user', 'web']);
    assert.deepEqual(production.filter((o) => o.kind === 'VerticalPodAutoscaler').map((o) => o.spec.targetRef.name).sort(),
      [...hpas, ...keda].sort());
  });

  test('an HPA aimed at a missing Deployment', () => expectCaught((o) => {
    find(o, 'HorizontalPodAutoscaler', 'cart').spec.scaleTargetRef.name = 'carts';
  }, /^HorizontalPodAutoscaler\/robot-shop\/cart: spec\.scaleTargetRef: no Deployment carts/));

  test('an HPA on a Deployment that requests no CPU', () => expectCaught((o) => {
    delete find(o, 'Deployment', 'ratings').spec.template.spec.containers[0].resources.requests.cpu;
  }, /HorizontalPodAutoscaler\/robot-shop\/ratings: spec\.scaleTargetRef: ratings's container ratings requests no CPU/));

  test('a custom metric no adapter rule makes', () => expectCaught((o) => {
    find(o, 'HorizontalPodAutoscaler', 'web').spec.metrics[1].pods.metric.name = 'requests_per_second';
  }, /HorizontalPodAutoscaler\/robot-shop\/web: spec\.metrics\[1\]: requests_per_second is made by no prometheus-adapter rule/));

  test('a VPA that acts', () => expectCaught((o) => {
    find(o, 'VerticalPodAutoscaler', 'catalogue').spec.updatePolicy.updateMode = 'Auto';
  }, /VerticalPodAutoscaler\/robot-shop\/catalogue: spec\.updatePolicy\.updateMode: Auto, must be Off/));

  test('two autoscalers on one Deployment', () => expectCaught((o) => {
    find(o, 'HorizontalPodAutoscaler', 'payment').spec.scaleTargetRef.name = 'dispatch';
  }, /spec\.scaleTargetRef: dispatch is already scaled by/));
});

describe('the adapter rules read series the services really export', () => {
  let dir;
  let catalogue;
  before(async () => {
    dir = tempDir('rs-autoscaling-');
    catalogue = await startService('catalogue', { DOCSTORE_PATH: path.join(dir, 'catalogue.db') });
    await (await fetch(`${catalogue.url}/products`)).arrayBuffer();
  });
  after(async () => {
    await catalogue?.stop();
    removeDir(dir);
  });

  for (const rule of adapterRules()) {
    test(`${rule.name.as} from ${sourceSeries(rule)}`, async () => {
      const text = await (await fetch(`${catalogue.url}/metrics`)).text();
      const series = text.split('\n').filter((l) => l.startsWith(`${sourceSeries(rule)}{`));
      assert.ok(series.length > 0, `catalogue's /metrics has no ${sourceSeries(rule)} series`);
      assert.ok(series.some((l) => l.includes('route="/products"')), `no ${sourceSeries(rule)} series for the /products route`);
    });
  }
});
