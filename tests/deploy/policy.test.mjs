// The policies every rendered deployment keeps (lib/policy.mjs), applied to
// both overlays and every combination under deploy/kubernetes/tests/; then
// each rule shown to catch what it claims, on a mutated copy of the
// production overlay.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { expectCaughtIn, violationsOf as violations } from './lib/caught.mjs';
import { KUBE_DIR, REPO, podSpecOf, render, renderTargets, selects } from './lib/kube.mjs';
import { COMMON_RULES, PRODUCTION_RULES, resolveCalls } from './lib/policy.mjs';

function rulesFor(targetName) {
  return targetName.includes('production') ? { ...COMMON_RULES, ...PRODUCTION_RULES } : COMMON_RULES;
}

test('yamllint passes on deploy/', () => {
  const result = spawnSync('yamllint', ['-s', '-c', path.join(REPO, 'deploy/.yamllint'), path.join(REPO, 'deploy')], { encoding: 'utf8' });
  assert.equal(result.error, undefined, `yamllint: ${result.error?.message}`);
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

describe('every rendered tree keeps the policies', () => {
  for (const target of renderTargets()) {
    test(target.name, () => {
      assert.deepEqual(violations(render(target.dir), rulesFor(target.name)), []);
    });
  }
});

// The calls the shop's architecture makes (each service's peers and stores),
// as the settings of the production overlay make them: every one, and no other.
const ARCHITECTURE = [
  'cart → catalogue:8080', 'cart → redis:6379', 'catalogue → mongodb:27017', 'dispatch → rabbitmq:5672',
  'dispatch → redis:6379',
  'payment → cart:8080', 'payment → rabbitmq:5672', 'payment → user:8080', 'ratings → catalogue:8080',
  'ratings → mysql:3306', 'shipping → cart:8080', 'shipping → mysql:3306', 'user → mongodb:27017', 'user → redis:6379',
  'web → cart:8080', 'web → catalogue:8080', 'web → payment:8080', 'web → ratings:8080', 'web → shipping:8080',
  'web → user:8080',
];

test('the production settings make exactly the calls of the architecture', () => {
  const calls = resolveCalls(render(path.join(KUBE_DIR, 'overlays/production')));
  const seen = [...new Set(calls.map((c) => `${c.from.metadata.name} → ${c.host}:${c.port}`))].sort();
  assert.deepEqual(seen, ARCHITECTURE);
});

describe('each policy catches a broken tree', () => {
  // Production with the monitoring component: every rule has objects to act on.
  const production = render(path.join(KUBE_DIR, 'tests/production-monitoring'));
  const rules = rulesFor('production');
  const find = (objects, kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const container = (objects, kind, name) => podSpecOf(find(objects, kind, name)).containers[0];

  // Mutates a copy of the production objects; expects a violation matching
  // pattern, and that the unmutated objects have none.
  const expectCaught = expectCaughtIn(production, (objects) => violations(objects, rules));

  test('a Deployment without probes', () => expectCaught((o) => {
    const c = container(o, 'Deployment', 'web');
    delete c.readinessProbe;
    delete c.livenessProbe;
  }, /^Deployment\/robot-shop\/web: container web: readinessProbe: missing/));

  test('a container without limits', () => expectCaught((o) => {
    delete container(o, 'Deployment', 'cart').resources.limits;
  }, /^Deployment\/robot-shop\/cart: container cart: resources\.limits\.memory: missing/));

  test('a writable root filesystem', () => expectCaught((o) => {
    container(o, 'StatefulSet', 'redis').securityContext.readOnlyRootFilesystem = false;
  }, /^StatefulSet\/robot-shop\/redis: container redis: securityContext\.readOnlyRootFilesystem/));

  test('a container that may run as root', () => expectCaught((o) => {
    const spec = podSpecOf(find(o, 'Deployment', 'payment'));
    delete spec.securityContext.runAsNonRoot;
  }, /^Deployment\/robot-shop\/payment: container payment: securityContext\.runAsNonRoot/));

  test('a mounted API token', () => expectCaught((o) => {
    podSpecOf(find(o, 'Deployment', 'user')).automountServiceAccountToken = true;
  }, /^Deployment\/robot-shop\/user: spec\.template\.spec\.automountServiceAccountToken/));

  test('a grace period shorter than the drain', () => expectCaught((o) => {
    podSpecOf(find(o, 'Deployment', 'shipping')).terminationGracePeriodSeconds = 10;
  }, /^Deployment\/robot-shop\/shipping: spec\.template\.spec\.terminationGracePeriodSeconds: 10 s/));

  test('an image on latest, and one with no tag', () => {
    expectCaught((o) => { container(o, 'StatefulSet', 'mysql').image = 'docker.io/library/mariadb:latest'; },
      /^StatefulSet\/robot-shop\/mysql: container mysql: image "docker\.io\/library\/mariadb:latest": tag latest/);
    expectCaught((o) => { container(o, 'Deployment', 'web').image = 'registry.example:5000/robot-shop/web'; },
      /^Deployment\/robot-shop\/web: container web: image "registry\.example:5000\/robot-shop\/web": no tag/);
  });

  test('a Service that selects no pods', () => expectCaught((o) => {
    find(o, 'Service', 'ratings').spec.selector = { 'app.kubernetes.io/name': 'rating' };
  }, /^Service\/robot-shop\/ratings: spec\.selector: selects no pods/));

  test('a Service aimed at a port the pods lack', () => expectCaught((o) => {
    find(o, 'Service', 'cart').spec.ports[0].targetPort = 'web';
  }, /^Service\/robot-shop\/cart: spec\.ports\[http\]\.targetPort web: no such port/));

  test('a URL pointing at a missing Service', () => expectCaught((o) => {
    const map = o.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('shipping-settings'));
    map.data.CART_URL = 'http://carts:8080';
  }, /^Deployment\/robot-shop\/shipping: env CART_URL=http:\/\/carts:8080: no Service carts/));

  test('a URL pointing at a port the Service lacks', () => expectCaught((o) => {
    const env = container(o, 'Deployment', 'cart').env.find((e) => e.name === 'REDIS_URL');
    env.value = env.value.replace(':6379', ':6380');
  }, /^Deployment\/robot-shop\/cart: env REDIS_URL=.*: Service redis has no port 6380/));

  test('a reference to a missing Secret key', () => expectCaught((o) => {
    container(o, 'Deployment', 'ratings').env[0].valueFrom.secretKeyRef.key = 'rating-password';
  }, /^Deployment\/robot-shop\/ratings: container ratings: env MYSQL_PASSWORD: Secret .* has no key rating-password/));

  test('a DB pod without its toleration', () => expectCaught((o) => {
    delete podSpecOf(find(o, 'StatefulSet', 'mongodb')).tolerations;
  }, /^StatefulSet\/robot-shop\/mongodb: spec\.template\.spec\.tolerations: no toleration of workload=database:NoSchedule/));

  test('a DB pod free to leave the database nodes', () => expectCaught((o) => {
    delete podSpecOf(find(o, 'StatefulSet', 'rabbitmq')).affinity.nodeAffinity;
  }, /^StatefulSet\/robot-shop\/rabbitmq: spec\.template\.spec\.affinity\.nodeAffinity/));

  test('a DB pod without anti-affinity between its replicas', () => expectCaught((o) => {
    delete podSpecOf(find(o, 'StatefulSet', 'redis')).affinity.podAntiAffinity;
  }, /^StatefulSet\/robot-shop\/redis: spec\.template\.spec\.affinity\.podAntiAffinity/));

  test('a service without anti-affinity, spread, or two replicas', () => {
    expectCaught((o) => { delete podSpecOf(find(o, 'Deployment', 'catalogue')).affinity.podAntiAffinity; },
      /^Deployment\/robot-shop\/catalogue: spec\.template\.spec\.affinity\.podAntiAffinity/);
    expectCaught((o) => { delete podSpecOf(find(o, 'Deployment', 'catalogue')).topologySpreadConstraints; },
      /^Deployment\/robot-shop\/catalogue: spec\.template\.spec\.topologySpreadConstraints/);
    expectCaught((o) => { find(o, 'Deployment', 'dispatch').spec.replicas = 1; },
      /^Deployment\/robot-shop\/dispatch: spec\.replicas: 1/);
  });

  test('two replicas without a disruption budget', () => expectCaught((o) => {
    o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'payment')), 1);
  }, /^Deployment\/robot-shop\/payment: 2 replicas and no PodDisruptionBudget/));

  test('pods under two disruption budgets', () => expectCaught((o) => {
    delete find(o, 'PodDisruptionBudget', 'cart').spec.selector.matchLabels.version;
    o.push({ ...structuredClone(find(o, 'PodDisruptionBudget', 'cart')), metadata: { name: 'cart-2', namespace: 'robot-shop' } });
  }, /^Deployment\/robot-shop\/cart: its pods are under 2 PodDisruptionBudgets/));

  test('node pools that do not fit the production topology', () => {
    const withPools = render(path.join(KUBE_DIR, 'tests/production-karpenter'));
    assert.deepEqual(violations(withPools, rules), []);
    const broken = (mutate) => { const o = structuredClone(withPools); mutate(o); return violations(o, rules); };
    assert.ok(broken((o) => { find(o, 'NodePool', 'robot-shop-database').spec.template.metadata.labels.workload = 'db'; })
      .some((v) => /^StatefulSet\/robot-shop\/mysql: .*no NodePool makes nodes labelled workload=database/.test(v)));
    assert.ok(broken((o) => { find(o, 'NodePool', 'robot-shop-app').spec.template.spec.taints = [{ key: 'spot', value: 'yes', effect: 'NoSchedule' }]; })
      .some((v) => /^Deployment\/robot-shop\/web: .*does not tolerate spot=yes:NoSchedule of NodePool robot-shop-app/.test(v)));
  });

  test('a dev placeholder in a production Secret', () => expectCaught((o) => {
    const secret = o.find((x) => x.kind === 'Secret' && x.metadata.name.startsWith('redis-credentials'));
    secret.data.password = Buffer.from('dev-placeholder-redis').toString('base64');
  }, /^Secret\/robot-shop\/redis-credentials-\w+: data\.password: a dev placeholder/));

  test('a namespace without the restricted profile, and an object outside it', () => {
    expectCaught((o) => { find(o, 'Namespace', 'robot-shop').metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline'; },
      /^Namespace\/robot-shop: .*must be restricted/);
    expectCaught((o) => { delete find(o, 'NetworkPolicy', 'cart').metadata.namespace; },
      /^NetworkPolicy\/cart: metadata\.namespace: unset/);
  });

  test('a call the network policies do not allow', () => {
    expectCaught((o) => { find(o, 'NetworkPolicy', 'cart').spec.egress.pop(); },
      /^Deployment\/robot-shop\/cart: NetworkPolicy egress does not allow cart → catalogue:8080 \(CATALOGUE_URL\)/);
    expectCaught((o) => { find(o, 'NetworkPolicy', 'mysql').spec.ingress[0].from.shift(); },
      /^StatefulSet\/robot-shop\/mysql: NetworkPolicy ingress does not allow shipping → mysql:3306 \(MYSQL_URL\)/);
  });

  test('a network policy that allows a call the shop does not make', () => {
    expectCaught((o) => {
      find(o, 'NetworkPolicy', 'web').spec.egress.push({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mysql' } } }] });
    }, /^NetworkPolicy\/robot-shop\/web: spec\.egress\[6\]\.to\[0\]: allows web → mysql, a call the shop does not make/);
    expectCaught((o) => {
      find(o, 'NetworkPolicy', 'redis').spec.ingress[0].from.push({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'payment' } } });
    }, /^NetworkPolicy\/robot-shop\/redis: spec\.ingress\[0\]\.from\[3\]: admits payment → redis/);
    expectCaught((o) => { delete find(o, 'NetworkPolicy', 'catalogue').spec.ingress[0].from; },
      /^NetworkPolicy\/robot-shop\/catalogue: spec\.ingress\[0\]: admits any source to catalogue, which is not public/);
    expectCaught((o) => { find(o, 'NetworkPolicy', 'dispatch').spec.egress[0].to = [{ ipBlock: { cidr: '0.0.0.0/0' } }]; },
      /^NetworkPolicy\/robot-shop\/dispatch: spec\.egress\[0\]\.to\[0\]: a destination outside the shop/);
  });

  test('a pod under no default deny', () => expectCaught((o) => {
    const shippingLabels = find(o, 'Deployment', 'shipping').spec.template.metadata.labels;
    for (const p of o.filter((x) => x.kind === 'NetworkPolicy' && selects(x.spec.podSelector, shippingLabels))) o.splice(o.indexOf(p), 1);
  }, /^Deployment\/robot-shop\/shipping: no NetworkPolicy restricts its ingress/));

  test('a monitor that scrapes nothing, or what Prometheus may not reach', () => {
    expectCaught((o) => { find(o, 'PodMonitor', 'services').spec.podMetricsEndpoints[0].port = 'metrics'; },
      /^PodMonitor\/robot-shop\/services: spec\.podMetricsEndpoints\[0\]\.port metrics: no such port on Deployment\/robot-shop\/web/);
    expectCaught((o) => { find(o, 'PodMonitor', 'mysql').spec.selector.matchLabels['app.kubernetes.io/name'] = 'mariadb'; },
      /^PodMonitor\/robot-shop\/mysql: spec\.selector: selects no pods/);
    expectCaught((o) => { find(o, 'NetworkPolicy', 'redis').spec.ingress.pop(); },
      /^PodMonitor\/robot-shop\/redis: spec\.podMetricsEndpoints\[0\]: NetworkPolicy ingress does not admit Prometheus to redis:metrics/);
    // In the mesh, the services are scraped on Istio's merged-metrics port.
    expectCaught((o) => { delete find(o, 'NetworkPolicy', 'istio-sidecars').spec.ingress; },
      /^PodMonitor\/robot-shop\/services: spec\.podMetricsEndpoints\[0\]: NetworkPolicy ingress does not admit Prometheus to cart:15020/);
    // Outside it, on their http port, through the ServiceMonitors.
    const plain = [...render(path.join(KUBE_DIR, 'overlays/dev')), ...render(path.join(KUBE_DIR, 'tests/base-monitoring')).filter((x) => x.kind === 'ServiceMonitor')];
    assert.deepEqual(violations(plain, COMMON_RULES).filter((v) => v.startsWith('ServiceMonitor')), []);
    find(plain, 'ServiceMonitor', 'cart').spec.endpoints[0].port = 'metrics';
    find(plain, 'ServiceMonitor', 'web').spec.selector.matchLabels['app.kubernetes.io/name'] = 'gateway';
    const found = violations(plain, COMMON_RULES);
    assert.ok(found.some((v) => /^ServiceMonitor\/robot-shop\/cart: spec\.endpoints\[0\]\.port metrics: no such port on Service\/robot-shop\/cart/.test(v)), found.join('\n'));
    assert.ok(found.some((v) => /^ServiceMonitor\/robot-shop\/web: spec\.selector: selects no Service/.test(v)), found.join('\n'));
  });

  test('an exporter signing in as anyone but its monitoring user', () => {
    const exporter = (o, store) => podSpecOf(find(o, 'StatefulSet', store)).containers.find((c) => c.name === 'exporter');
    expectCaught((o) => { exporter(o, 'mysql').args[1] = '--mysqld.username=root'; },
      /^StatefulSet\/robot-shop\/mysql: container exporter: args: signs in as root, not monitoring/);
    expectCaught((o) => { exporter(o, 'mysql').env[0].valueFrom.secretKeyRef.key = 'root-password'; },
      /^StatefulSet\/robot-shop\/mysql: container exporter: env MYSQLD_EXPORTER_PASSWORD: reads root-password/);
    expectCaught((o) => { exporter(o, 'mongodb').env[0] = { name: 'MONGODB_USER', valueFrom: { secretKeyRef: { name: 'mongodb-credentials', key: 'root-username' } } }; },
      /^StatefulSet\/robot-shop\/mongodb: container exporter: env MONGODB_USER: reads root-username/);
    expectCaught((o) => { exporter(o, 'redis').env.find((e) => e.name === 'REDIS_USER').value = 'default'; },
      /^StatefulSet\/robot-shop\/redis: container exporter: env REDIS_USER: signs in as default, not monitoring/);
  });

  test('an exporter sidecar that breaks the container rules', () => expectCaught((o) => {
    const exporter = podSpecOf(find(o, 'StatefulSet', 'mongodb')).containers.find((c) => c.name === 'exporter');
    delete exporter.livenessProbe;
    exporter.image = 'docker.io/percona/mongodb_exporter';
  }, /^StatefulSet\/robot-shop\/mongodb: container exporter: livenessProbe: missing/));
});
