// The chaos component (deploy/kubernetes/components/chaos): its Workflow,
// its one-by-one experiments and its k6 Job, rendered with the production
// shop, validate strictly against the Chaos Mesh schemas of
// tests/deploy/schemas/ and keep the rules of lib/chaos-policy.mjs; each
// schema and each rule is shown to catch a broken copy.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { expectCaughtIn } from './lib/caught.mjs';
import { KUBE_DIR, REPO, render } from './lib/kube.mjs';
import { chaosDurationRules, chaosSelectorRules, loadTestRules, workflowOrderRules } from './lib/chaos-policy.mjs';
import { COMMON_RULES } from './lib/policy.mjs';
import { validateObjects } from './lib/schema.mjs';

const ORDER = ['kill-catalogue-pod', 'stress-catalogue-cpu', 'delay-shipping-to-mysql', 'partition-cart-from-redis'];
const shop = render(path.join(KUBE_DIR, 'tests/production-chaos'));
const experiments = render(path.join(KUBE_DIR, 'components/chaos/experiments'));
const all = [...shop, ...experiments];
const find = (objects, kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const template = (objects, name) => find(objects, 'Workflow', 'robot-shop-chaos').spec.templates.find((t) => t.name === name);

function violations(objects) {
  return [
    ...chaosSelectorRules(objects), ...chaosDurationRules(objects),
    ...workflowOrderRules(objects, ORDER, objects.filter((o) => ['PodChaos', 'StressChaos', 'NetworkChaos'].includes(o.kind))),
    ...loadTestRules(objects),
  ];
}

const expectCaught = (mutate, pattern, rules = violations) => expectCaughtIn(all, rules)(mutate, pattern);

test('the experiments validate strictly, one per kind and the Workflow', async () => {
  assert.deepEqual(experiments.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
    ['NetworkChaos/delay-shipping-to-mysql', 'NetworkChaos/partition-cart-from-redis', 'PodChaos/kill-catalogue-pod', 'StressChaos/stress-catalogue-cpu']);
  assert.ok(find(shop, 'Workflow', 'robot-shop-chaos'));
  assert.deepEqual(await validateObjects(experiments), []);
});

test('the chaos rules hold on the rendered trees', () => {
  assert.deepEqual(violations(all), []);
  assert.deepEqual(Object.values(COMMON_RULES).flatMap((rule) => rule(all)), []);
});

describe('each Chaos Mesh schema catches a misspelt field and a bad enum', () => {
  async function expectInvalid(kind, name, mutate, pattern) {
    const source = kind === 'Workflow' ? shop : experiments;
    const obj = structuredClone(find(source, kind, name));
    mutate(obj);
    const errors = await validateObjects([obj]);
    assert.ok(errors.some((e) => pattern.test(e)), `expected an error matching ${pattern}, got:\n${errors.join('\n') || '(none)'}`);
  }
  test('PodChaos', async () => {
    await expectInvalid('PodChaos', 'kill-catalogue-pod', (o) => { o.spec.gracePeriodSeconds = 0; },
      /^PodChaos\/robot-shop\/kill-catalogue-pod: spec\.gracePeriodSeconds: must NOT have additional properties/);
    await expectInvalid('PodChaos', 'kill-catalogue-pod', (o) => { o.spec.action = 'kill-pod'; },
      /^PodChaos\/robot-shop\/kill-catalogue-pod: spec\.action: must be equal to one of the allowed values/);
  });
  test('StressChaos', async () => {
    await expectInvalid('StressChaos', 'stress-catalogue-cpu', (o) => { o.spec.stressors.cpu.loads = 80; },
      /spec\.stressors\.cpu\.loads: must NOT have additional properties/);
    await expectInvalid('StressChaos', 'stress-catalogue-cpu', (o) => { o.spec.mode = 'every'; },
      /^StressChaos\/robot-shop\/stress-catalogue-cpu: spec\.mode: must be equal to one of the allowed values/);
  });
  test('NetworkChaos', async () => {
    await expectInvalid('NetworkChaos', 'delay-shipping-to-mysql', (o) => { o.spec.delay.latencey = o.spec.delay.latency; },
      /spec\.delay\.latencey: must NOT have additional properties/);
    await expectInvalid('NetworkChaos', 'partition-cart-from-redis', (o) => { o.spec.direction = 'sideways'; },
      /^NetworkChaos\/robot-shop\/partition-cart-from-redis: spec\.direction: must be equal to one of the allowed values/);
    await expectInvalid('NetworkChaos', 'partition-cart-from-redis', (o) => { o.spec.target.selector.labelSelector = {}; },
      /spec\.target\.selector\.labelSelector: must NOT have additional properties/);
  });
  test('Workflow', async () => {
    await expectInvalid('Workflow', 'robot-shop-chaos', (o) => { o.spec.templates[0].childern = o.spec.templates[0].children; },
      /^Workflow\/robot-shop\/robot-shop-chaos: spec\.templates\[0\]\.childern: must NOT have additional properties/);
    await expectInvalid('Workflow', 'robot-shop-chaos', (o) => { o.spec.templates[0].templateType = 'Sequence'; },
      /spec\.templates\[0\]\.templateType: must be equal to one of the allowed values/);
    await expectInvalid('Workflow', 'robot-shop-chaos', (o) => { o.spec.templates[1].podChaos.mode = 'single'; },
      /spec\.templates\[1\]\.podChaos\.mode: must be equal to one of the allowed values/);
  });
});

describe('each chaos rule catches a broken copy', () => {
  test('an experiment that selects no pods', () => expectCaught((o) => {
    find(o, 'StressChaos', 'stress-catalogue-cpu').spec.selector.labelSelectors = { 'app.kubernetes.io/name': 'catalog' };
  }, /^StressChaos\/robot-shop\/stress-catalogue-cpu: spec\.selector: labelSelectors .*catalog.*: select no pods/));

  test('a Workflow target that selects no pods, or an empty selector', () => {
    expectCaught((o) => { template(o, 'delay-shipping-to-mysql').networkChaos.target.selector.labelSelectors['app.kubernetes.io/name'] = 'mariadb'; },
      /Workflow\/robot-shop\/robot-shop-chaos: spec\.templates\[\d\] \(delay-shipping-to-mysql\): spec\.target\.selector: labelSelectors .*mariadb/);
    expectCaught((o) => { delete find(o, 'PodChaos', 'kill-catalogue-pod').spec.selector.labelSelectors; },
      /^PodChaos\/robot-shop\/kill-catalogue-pod: spec\.selector: labelSelectors: missing/);
  });

  test('an experiment aimed at another namespace', () => expectCaught((o) => {
    find(o, 'NetworkChaos', 'partition-cart-from-redis').spec.selector.namespaces = ['kube-system'];
  }, /^NetworkChaos\/robot-shop\/partition-cart-from-redis: spec\.selector: namespaces \["kube-system"\]: must be exactly \[robot-shop\]/));

  test('an experiment with no duration, or too long a one', () => {
    expectCaught((o) => { delete find(o, 'NetworkChaos', 'delay-shipping-to-mysql').spec.duration; },
      /^NetworkChaos\/robot-shop\/delay-shipping-to-mysql: no duration/);
    expectCaught((o) => { template(o, 'stress-catalogue-cpu').deadline = '1h'; },
      /\(stress-catalogue-cpu\): duration 1h: must be between 0 and 300 s/);
    expectCaught((o) => { delete template(o, 'recover-after-kill').deadline; },
      /spec\.templates\[\d\] \(recover-after-kill\): no deadline/);
  });

  test('a Workflow that runs the experiments out of order, or in parallel', () => {
    expectCaught((o) => { template(o, 'in-order').children.reverse(); },
      /entry in-order: runs partition-cart-from-redis → .* → kill-catalogue-pod, not kill-catalogue-pod → /);
    expectCaught((o) => { template(o, 'in-order').templateType = 'Parallel'; },
      /entry in-order: templateType Parallel, not Serial/);
    expectCaught((o) => { template(o, 'in-order').children.splice(1, 1, 'no-such-pause'); },
      /child no-such-pause: no such template/);
  });

  test('a Workflow whose deadline cuts its last experiment off', () => expectCaught((o) => {
    template(o, 'in-order').deadline = '3m';
  }, /entry in-order: deadline 3m is shorter than its children's 280 s/));

  test('a Workflow experiment that differs from the standalone one', () => expectCaught((o) => {
    template(o, 'stress-catalogue-cpu').stressChaos.stressors.cpu.load = 100;
  }, /template stress-catalogue-cpu: differs from StressChaos\/robot-shop\/stress-catalogue-cpu/));

  test('a k6 Job that retries, or runs unbounded', () => {
    expectCaught((o) => { find(o, 'Job', 'k6-browse').spec.backoffLimit = 2; }, /^Job\/robot-shop\/k6-browse: spec\.backoffLimit: 2/);
    expectCaught((o) => { delete find(o, 'Job', 'k6-browse').spec.activeDeadlineSeconds; }, /spec\.activeDeadlineSeconds: unset/);
  });

  test('a k6 script missing from the ConfigMap, or stale in it', () => {
    expectCaught((o) => { find(o, 'Job', 'k6-browse').spec.template.spec.containers[0].args.splice(-1, 1, '/scripts/shop.js'); },
      /container k6: script \/scripts\/shop\.js: not in ConfigMap k6-scripts-/);
    expectCaught((o) => {
      const map = o.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('k6-scripts'));
      map.data['browse.js'] = map.data['browse.js'].replace('p(95)<200', 'p(95)<2000');
    }, /^ConfigMap\/robot-shop\/k6-scripts-\w+: data\.browse\.js: not deploy\/k6\/browse\.js as it is on disk/);
  });

  test('a script in deploy/k6 the ConfigMap lacks', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'k6-'));
    try {
      for (const f of ['browse.js', 'checkout.js']) writeFileSync(path.join(dir, f), readFileSync(path.join(REPO, 'deploy/k6', f)));
      writeFileSync(path.join(dir, 'soak.js'), '// soak\n');
      assert.ok(loadTestRules(all, dir).some((v) => /data\.soak\.js: not deploy\/k6\/soak\.js/.test(v)));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('the network policy rules know the load test, and only it', () => {
  const common = (objects) => Object.values(COMMON_RULES).flatMap((rule) => rule(objects));
  test('a service allowed to the ingress gateway', () => expectCaught((o) => {
    find(o, 'NetworkPolicy', 'web').spec.egress.push(structuredClone(find(o, 'NetworkPolicy', 'k6-browse').spec.egress[1]));
  }, /^NetworkPolicy\/robot-shop\/web: spec\.egress\[\d+\]\.to\[0\]: a destination outside the shop/, common));

  test('the load test allowed another port of the gateway', () => expectCaught((o) => {
    find(o, 'NetworkPolicy', 'k6-browse').spec.egress[1].ports[0].port = 15021;
  }, /^NetworkPolicy\/robot-shop\/k6-browse: spec\.egress\[1\]\.to\[0\]: a destination outside the shop/, common));

  test('the load test aimed at a port the gateway lacks', () => expectCaught((o) => {
    find(o, 'Job', 'k6-browse').spec.template.spec.containers[0].env[0].value += ':8443';
  }, /^Job\/robot-shop\/k6-browse: env BASE_URL=.*: the ingress gateway has no port 8443/, common));
});
