// Every overlay and component combination renders, and every object it
// renders is valid against its kind's schema, unknown fields included; the
// checker is shown to catch a wrong value, a misspelt field, a kind with no
// schema, and a broken overlay on disk.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { REPO, render, renderTargets } from './lib/kube.mjs';
import { validateObjects } from './lib/schema.mjs';

const FIXTURES = path.join(REPO, 'tests/deploy/fixtures');

describe('every rendered object validates strictly', () => {
  for (const target of renderTargets()) {
    test(target.name, async () => {
      const objects = render(target.dir);
      assert.ok(objects.length > 10, `${target.name} rendered only ${objects.length} objects`);
      assert.deepEqual(await validateObjects(objects), []);
    });
  }
});

describe('the schema check catches', () => {
  const production = render(path.join(REPO, 'deploy/kubernetes/overlays/production'));
  const deployment = (name) => structuredClone(production.find((o) => o.kind === 'Deployment' && o.metadata.name === name));

  test('a misspelt field, naming the object and the path', async () => {
    const web = deployment('web');
    web.spec.template.spec.containers[0].readinessProbe.httpGet.hostt = 'web';
    const errors = await validateObjects([web]);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /^Deployment\/robot-shop\/web: spec\.template\.spec\.containers\[0\]\.readinessProbe\.httpGet\.hostt: .*hostt/);
  });

  test('a misspelt field of an autoscaler (averageUtilisation)', async () => {
    const hpa = {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'robot-shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 6,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilisation: 70 } } }],
      },
    };
    const errors = await validateObjects([hpa]);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /HorizontalPodAutoscaler\/robot-shop\/web: spec\.metrics\[0\]\.resource\.target\.averageUtilisation:/);
  });

  test('a value of the wrong type', async () => {
    const cart = deployment('cart');
    cart.spec.replicas = 'two';
    const errors = await validateObjects([cart]);
    assert.ok(errors.some((e) => /Deployment\/robot-shop\/cart: spec\.replicas: must be integer/.test(e)), errors.join('\n'));
  });

  test('a missing required field', async () => {
    const cart = deployment('cart');
    delete cart.spec.template.spec.containers[0].name;
    const errors = await validateObjects([cart]);
    assert.ok(errors.some((e) => /Deployment\/robot-shop\/cart: spec\.template\.spec\.containers\[0\]: must have required property '?name'?/.test(e)), errors.join('\n'));
  });

  test('a kind with no schema', async () => {
    const errors = await validateObjects([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    assert.deepEqual(errors, ['Widget/w: no schema for apiVersion example.com/v1 kind Widget']);
  });

  test('a broken overlay on disk', async () => {
    const objects = render(path.join(FIXTURES, 'misspelt-probe'));
    const errors = await validateObjects(objects);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /^Deployment\/robot-shop\/catalogue: spec\.template\.spec\.containers\[0\]\.livenessProbe\.httpGet\.hostt:/);
  });
});
