// The Helm chart deploy/helm/robot-shop, rendered offline by
// tools/helm-template: with its defaults it gives the dev overlay's
// objects, with values-production.yaml the production overlay's (compared
// field by field after lib/compare.mjs's normalisations); every values
// combination passes the strict schemas and the policies the overlays
// pass (and the tracing component's rules); values.schema.json refuses
// bad values by name; and the renderer
// reproduces the Helm features the chart uses. Each check is shown to fail
// on a broken copy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { violationsOf } from './lib/caught.mjs';
import { compareRenders } from './lib/compare.mjs';
import {
  CHART_DIR, NAMESPACE, RENDERER, buildRenderer, coalescedValues, inlineCredentialsValues, operatorSecrets,
  renderChart, renderNotes, schemaErrors,
} from './lib/helm.mjs';
import { KUBE_DIR, REPO, parseObjects, render } from './lib/kube.mjs';
import { COMMON_RULES, PRODUCTION_RULES } from './lib/policy.mjs';
import { validateObjects } from './lib/schema.mjs';
import { TRACING_RULES } from './lib/tracing-policy.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'robot-shop-helm-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const values = (name) => path.join(CHART_DIR, name);
const PRODUCTION = values('values-production.yaml');

function writeValues(name, obj) {
  const file = path.join(tmp, name);
  writeFileSync(file, JSON.stringify(obj));
  return file;
}

// Every values combination the chart is held to: what it renders (plus,
// where the release expects them, the Secrets made outside it), the
// Kustomize tree it must equal (if any), and whether production's rules
// apply.
const TARGETS = [
  { name: 'defaults', files: [], kustomize: 'overlays/dev' },
  { name: 'values-production.yaml, Secrets made by the operator', files: [PRODUCTION], extra: operatorSecrets, kustomize: 'overlays/production', production: true },
  { name: 'values-production.yaml, credentials given as values', files: () => [PRODUCTION, inlineCredentialsValues(tmp)], kustomize: 'overlays/production', production: true },
  { name: 'ci/network-policies-values.yaml', files: [values('ci/network-policies-values.yaml')], kustomize: 'tests/dev-network-policies' },
  { name: 'ci/external-datastores-values.yaml', files: [values('ci/external-datastores-values.yaml')] },
  { name: 'ci/registry-values.yaml', files: [values('ci/registry-values.yaml')] },
  { name: 'ci/istio-autoscaling-values.yaml', files: [values('ci/istio-autoscaling-values.yaml')] },
  { name: 'values-production.yaml with ci/external-datastores-values.yaml', files: [PRODUCTION, values('ci/external-datastores-values.yaml')], extra: operatorSecrets, production: true },
  // The optional parts, each switched on over production as its Kustomize
  // combination puts its component over the production overlay.
  ...[
    ['monitoring', 'production-monitoring'], ['chaos', 'production-chaos'], ['payment-canary', 'production-canary'],
    ['payment-rollout', 'production-rollout'], ['karpenter', 'production-karpenter'], ['tracing', 'production-tracing'],
  ].map(([part, combination]) => ({
    name: `values-production.yaml with ci/${part}-values.yaml`, files: [PRODUCTION, values(`ci/${part}-values.yaml`)],
    extra: operatorSecrets, kustomize: `tests/${combination}`, production: true,
  })),
  { name: 'values-production.yaml with ci/payment-rollout-values.yaml and ci/tracing-values.yaml', files: [PRODUCTION, values('ci/payment-rollout-values.yaml'), values('ci/tracing-values.yaml')], extra: operatorSecrets, kustomize: 'tests/production-rollout-tracing', production: true },
  { name: 'ci/network-policies-values.yaml with ci/tracing-values.yaml', files: [values('ci/network-policies-values.yaml'), values('ci/tracing-values.yaml')], kustomize: 'tests/dev-network-policies-tracing' },
  { name: 'ci/tracing-values.yaml (outside the mesh, no network policies)', files: [values('ci/tracing-values.yaml')] },
  { name: 'ci/monitoring-values.yaml (outside the mesh, no MongoDB)', files: [values('ci/monitoring-values.yaml')] },
  { name: 'ci/monitoring-values.yaml with ci/network-policies-values.yaml', files: [values('ci/monitoring-values.yaml'), values('ci/network-policies-values.yaml')] },
  { name: 'values-production.yaml with ci/external-datastores-values.yaml and ci/monitoring-values.yaml', files: [PRODUCTION, values('ci/external-datastores-values.yaml'), values('ci/monitoring-values.yaml')], extra: operatorSecrets, production: true },
  { name: 'values-production.yaml with every optional part', files: [PRODUCTION, ...['monitoring', 'chaos', 'payment-canary', 'karpenter', 'tracing'].map((p) => values(`ci/${p}-values.yaml`))], extra: operatorSecrets, production: true },
  { name: 'values-production.yaml with every optional part, payment by Argo Rollouts', files: [PRODUCTION, ...['monitoring', 'chaos', 'payment-rollout', 'karpenter', 'tracing'].map((p) => values(`ci/${p}-values.yaml`))], extra: operatorSecrets, production: true },
];

// A target's render: {chart: the chart's objects, outside: those made
// outside it}, rendered once.
const rendered = new Map();
function renderOf(target) {
  if (!rendered.has(target.name)) {
    const files = typeof target.files === 'function' ? target.files() : target.files;
    rendered.set(target.name, { chart: renderChart(files), outside: target.extra ? target.extra() : [] });
  }
  return structuredClone(rendered.get(target.name));
}

// Everything the cluster would hold: the chart's objects and the others.
function objectsOf(target) {
  const { chart, outside } = renderOf(target);
  return [...chart, ...outside];
}

function violations(objects, production) {
  const rules = production ? { ...COMMON_RULES, ...PRODUCTION_RULES, ...TRACING_RULES } : { ...COMMON_RULES, ...TRACING_RULES };
  return violationsOf(objects, rules);
}

test('make helm-template prints the chart rendered, VALUES= choosing the values', () => {
  const run = (args) => spawnSync('make', ['--no-print-directory', '-s', 'helm-template', ...args], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
  const dev = run([]);
  assert.equal(dev.status, 0, dev.stderr);
  assert.match(dev.stdout, /^---\n# Source: robot-shop\/templates\/namespace\.yaml\n/);
  const objects = parseObjects(dev.stdout);
  assert.ok(!objects.some((o) => o.kind === 'StatefulSet' && o.metadata.name === 'mongodb'));
  const prod = run([`VALUES=${PRODUCTION}`]);
  assert.equal(prod.status, 0, prod.stderr);
  assert.ok(parseObjects(prod.stdout).some((o) => o.kind === 'StatefulSet' && o.metadata.name === 'mongodb'));
  const bad = run([`VALUES=${writeValues('typo.yaml', { services: { web: { replicas: -1 } } })}`]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /values\.schema\.json: services\.web\.replicas: must be >= 0/);
});

describe('the chart renders the same objects as Kustomize', () => {
  for (const target of TARGETS.filter((t) => t.kustomize)) {
    test(`${target.name} = ${target.kustomize}`, () => {
      const { chart, outside } = renderOf(target);
      assert.deepEqual(compareRenders(render(path.join(KUBE_DIR, target.kustomize)), chart, outside), []);
    });
  }

  test('the comparison catches a difference, naming the object and the field', () => {
    const dev = render(path.join(KUBE_DIR, 'overlays/dev'));
    const chart = renderChart([writeValues('two-webs.yaml', { services: { web: { replicas: 2 } } })]);
    assert.deepEqual(compareRenders(dev, chart), ['Deployment/robot-shop/web: spec.replicas: kustomize 1, chart 2']);
    const renamed = objectsOf(TARGETS[0]);
    renamed.find((o) => o.kind === 'Deployment' && o.metadata.name === 'cart').spec.template.spec.containers[0].envFrom[1].configMapRef.name = 'cart-setting';
    renamed.splice(renamed.findIndex((o) => o.kind === 'PersistentVolumeClaim'), 1);
    assert.deepEqual(compareRenders(dev, renamed), [
      'PersistentVolumeClaim/robot-shop/user-data: rendered by Kustomize, not by the chart',
      'Deployment/robot-shop/cart: spec.template.spec.containers[0].envFrom[1].configMapRef.name: kustomize "cart-settings", chart "cart-setting"',
    ].sort((a, b) => (a < b ? 1 : -1)));
  });

  test('tracing\'s settings reach the objects they name: the sampling percentage both samplers, the collector\'s resources its container', () => {
    const combination = render(path.join(KUBE_DIR, 'tests/production-tracing'));
    const overrides = writeValues('tracing-settings.yaml', {
      tracing: { samplingPercentage: 25, collector: { resources: { limits: { memory: '512Mi' } } } },
    });
    const chart = renderChart([PRODUCTION, values('ci/tracing-values.yaml'), overrides]);
    assert.deepEqual(compareRenders(combination, chart, operatorSecrets()), [
      'ConfigMap/robot-shop/tracing-settings: data.OTEL_TRACES_SAMPLER_ARG: kustomize "0.1", chart "0.25"',
      'Deployment/robot-shop/otel-collector: spec.template.spec.containers[0].resources.limits.memory: kustomize "256Mi", chart "512Mi"',
      'Telemetry/robot-shop/tracing: spec.tracing[0].randomSamplingPercentage: kustomize 10, chart 25',
    ]);
  });

  test('the normalisations are only those listed: a chart object without the part-of label, an extra annotation', () => {
    const dev = render(path.join(KUBE_DIR, 'overlays/dev'));
    const chart = objectsOf(TARGETS[0]);
    delete chart.find((o) => o.kind === 'Service' && o.metadata.name === 'web').metadata.labels['app.kubernetes.io/part-of'];
    chart.find((o) => o.kind === 'Deployment' && o.metadata.name === 'user').spec.template.metadata.annotations['example.com/x'] = 'y';
    assert.deepEqual(compareRenders(dev, chart), [
      'Service/robot-shop/web: metadata.labels: no app.kubernetes.io/part-of: robot-shop',
      'Deployment/robot-shop/user: spec.template.metadata.annotations: kustomize undefined, chart {"example.com/x":"y"}',
    ]);
  });
});

describe('every values combination validates strictly and keeps the policies', () => {
  for (const target of TARGETS) {
    test(target.name, async () => {
      const objects = objectsOf(target);
      assert.ok(objects.length > 10, `rendered only ${objects.length} objects`);
      assert.deepEqual(await validateObjects(objects), []);
      assert.deepEqual(violations(objects, target.production), []);
    });
  }

  test('the checks apply to the chart: a misspelt field and a broken policy are caught', async () => {
    const objects = objectsOf(TARGETS[1]);
    const web = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'web');
    web.spec.template.spec.containers[0].livenessProbe.httpGet.hostt = 'web';
    assert.match((await validateObjects([web])).join('\n'), /^Deployment\/robot-shop\/web: spec\.template\.spec\.containers\[0\]\.livenessProbe\.httpGet\.hostt:/);
    delete web.spec.template.spec.tolerations;
    web.spec.template.spec.affinity.nodeAffinity = undefined;
    assert.ok(violations(objects, true).some((v) => /^Deployment\/robot-shop\/web: spec\.template\.spec\.affinity\.nodeAffinity: not required/.test(v)));
    // The tracing component's rules, on the chart's collector.
    const traced = objectsOf(TARGETS.find((t) => t.name === 'values-production.yaml with ci/tracing-values.yaml'));
    assert.deepEqual(violations(traced, true), []);
    const collector = traced.find((o) => o.kind === 'Deployment' && o.metadata.name === 'otel-collector').spec.template.spec.containers[0];
    collector.env = collector.env.filter((e) => e.name !== 'JAEGER_OTLP_URL');
    assert.ok(violations(traced, true).some((v) => /^Deployment\/robot-shop\/otel-collector: .*\$\{env:JAEGER_OTLP_URL\}: not set in the container's environment/.test(v)));
  });

  test('an external datastore: its clients let out to its address only, its Service naming a host', () => {
    const target = TARGETS.find((t) => t.name === 'ci/external-datastores-values.yaml');
    const objects = objectsOf(target);
    assert.ok(!objects.some((o) => o.kind === 'StatefulSet'), 'no datastore StatefulSet');
    const cart = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'cart');
    assert.equal(cart.spec.template.spec.containers[0].env.find((e) => e.name === 'REDIS_URL').value, 'redis://:$(REDIS_PASSWORD)@redis:6380');
    const blocked = structuredClone(objects);
    blocked.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'cart').spec.egress.shift();
    assert.ok(violations(blocked, false).includes('Deployment/robot-shop/cart: NetworkPolicy egress does not allow cart → redis:6380 (REDIS_URL), an external datastore'));
    const opened = structuredClone(objects);
    opened.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'cart').spec.egress[0].ports[0].port = 5432;
    assert.ok(violations(opened, false).includes('NetworkPolicy/robot-shop/cart: spec.egress[0].to[0]: a destination outside the shop other than the DNS, istiod, an external datastore, or (for a load test only) the ingress gateway'));
    const hostless = structuredClone(objects);
    delete hostless.find((o) => o.kind === 'Service' && o.metadata.name === 'mysql').spec.externalName;
    assert.ok(violations(hostless, false).includes('Service/robot-shop/mysql: spec.externalName: missing'));
  });

  test('an external datastore under network policies needs its peers', () => {
    const file = writeValues('no-peers.yaml', { networkPolicies: { externalDatastorePeers: { redis: null } } });
    assert.throws(() => renderChart([values('ci/external-datastores-values.yaml'), file]),
      /networkPolicies\.externalDatastorePeers\.redis: the peers of the external redis \(e\.g\. an ipBlock\) are needed with network policies/);
  });

  test('production refuses a development placeholder left in the credentials', () => {
    const file = writeValues('placeholders.yaml', { credentials: { redis: { existingSecret: '' } } });
    assert.throws(() => renderChart([PRODUCTION, file]), /credentials\.redis\.data\.monitoring-password is a development placeholder/);
  });

  test('the switches that need the mesh refuse to render without it', () => {
    const noMesh = writeValues('no-mesh.yaml', { istio: { enabled: false } });
    assert.throws(() => renderChart([PRODUCTION, values('ci/chaos-values.yaml'), noMesh]),
      /chaos\.enabled needs istio\.enabled: the k6 Job drives the shop through the Istio ingress gateway/);
    for (const mode of ['weights', 'rollout']) {
      assert.throws(() => renderChart([PRODUCTION, values(`ci/payment-${mode === 'weights' ? 'canary' : 'rollout'}-values.yaml`), noMesh]),
        new RegExp(`paymentCanary\\.mode ${mode} needs istio\\.enabled`));
    }
  });

  test('monitoring: an exporter for each datastore of the chart only, as its monitoring user', () => {
    const exporters = (objects) => objects.filter((o) => o.kind === 'StatefulSet' && o.spec.template.spec.containers.some((c) => c.name === 'exporter')).map((o) => o.metadata.name).sort();
    const monitors = (objects) => objects.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name).sort();
    const production = objectsOf(TARGETS.find((t) => t.name === 'values-production.yaml with ci/monitoring-values.yaml'));
    assert.deepEqual(exporters(production), ['mongodb', 'mysql', 'redis']);
    assert.deepEqual(monitors(production), ['mongodb', 'mysql', 'rabbitmq', 'redis', 'services']);
    // No MongoDB in SQLite mode, none of the datastores when external.
    assert.deepEqual(exporters(objectsOf(TARGETS.find((t) => t.name.startsWith('ci/monitoring-values.yaml (')))), ['mysql', 'redis']);
    const external = objectsOf(TARGETS.find((t) => t.name === 'values-production.yaml with ci/external-datastores-values.yaml and ci/monitoring-values.yaml'));
    assert.deepEqual(monitors(external), ['services']);
    assert.ok(!external.some((o) => o.kind === 'ServiceMonitor'), 'in the mesh the PodMonitor replaces the ServiceMonitors');
    // The chart's exporters are held to the same rule as the component's.
    const rooted = structuredClone(production);
    const mysql = rooted.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'mysql');
    mysql.spec.template.spec.containers[1].env[0].valueFrom.secretKeyRef.key = 'root-password';
    assert.ok(violations(rooted, true).includes('StatefulSet/robot-shop/mysql: container exporter: env MYSQLD_EXPORTER_PASSWORD: reads root-password, not the monitoring user\'s monitoring-password'));
  });

  test('NOTES.txt renders, telling how to reach the shop (and its traces)', () => {
    assert.match(renderNotes([]), /port-forward service\/web 8080:8080/);
    assert.match(renderNotes([PRODUCTION]), /get service istio-ingressgateway/);
    const traced = renderNotes([PRODUCTION, values('ci/tracing-values.yaml'), writeValues('ns-notes.yaml', { namespace: { create: false, name: 'shop-two' } })]);
    assert.match(traced, /, in the Istio mesh, autoscaled, traced\)/);
    assert.match(traced, /kubectl -n shop-two port-forward service\/jaeger-query 16686:16686/);
    assert.match(traced, /provider robot-shop-otel \(service otel-collector\.shop-two\.svc\.cluster\.local,/);
    assert.doesNotMatch(renderNotes([]), /jaeger/);
  });
});

describe('values.schema.json refuses a bad value, naming it', () => {
  const refused = (overrides) => schemaErrors(coalescedValues([writeValues('bad.yaml', overrides)]));

  test('the defaults and every values file are accepted', () => {
    for (const target of TARGETS) {
      const files = typeof target.files === 'function' ? target.files() : target.files;
      assert.deepEqual(schemaErrors(coalescedValues(files)), [], target.name);
    }
  });
  test('a wrong type', () => assert.deepEqual(refused({ services: { cart: { replicas: 'two' } } }),
    ['values.schema.json: services.cart.replicas: must be integer']));
  test('an unknown key', () => assert.deepEqual(refused({ services: { web: { replica: 2 } } }),
    ['values.schema.json: services.web.replica: unknown key']));
  test('negative replicas', () => assert.deepEqual(refused({ services: { dispatch: { replicas: -1 } } }),
    ['values.schema.json: services.dispatch.replicas: must be >= 0']));
  test('a value outside its choices', () => assert.deepEqual(refused({ documentStore: 'postgres' }),
    ['values.schema.json: documentStore: must be equal to one of the allowed values ("sqlite", "mongodb")']));
  test('a setting that is not a string', () => assert.deepEqual(refused({ commonSettings: { THREADS: 16 } }),
    ['values.schema.json: commonSettings.THREADS: must be string']));
  test('a switch that is not a boolean', () => assert.deepEqual(refused({ monitoring: { enabled: 'yes' } }),
    ['values.schema.json: monitoring.enabled: must be boolean']));
  test('an unknown key in a switch', () => assert.deepEqual(refused({ chaos: { enabled: true, duration: '5m' } }),
    ['values.schema.json: chaos.duration: unknown key']));
  test('a canary mode that is none of the three', () => assert.deepEqual(refused({ paymentCanary: { mode: 'blue-green' } }),
    ['values.schema.json: paymentCanary.mode: must be equal to one of the allowed values ("none", "weights", "rollout")']));
  test('a canary weight over 100 %', () => assert.deepEqual(refused({ paymentCanary: { weight: 150 } }),
    ['values.schema.json: paymentCanary.weight: must be <= 100']));
  test('an exporter image that is not an image', () => assert.deepEqual(refused({ monitoring: { exporters: { redis: { image: 'redis exporter' } } } }),
    ['values.schema.json: monitoring.exporters.redis.image: must match pattern "^[^\\s:]+(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?(@sha256:[a-f0-9]{64})?$"']));
  test('a sampling percentage over 100', () => assert.deepEqual(refused({ tracing: { samplingPercentage: 150 } }),
    ['values.schema.json: tracing.samplingPercentage: must be <= 100']));
  test('an unknown key in the tracing switch', () => assert.deepEqual(refused({ tracing: { jaeger: { replicas: 2 } } }),
    ['values.schema.json: tracing.jaeger.replicas: unknown key']));
  test('a Karpenter node role that IAM would refuse', () => assert.deepEqual(refused({ karpenter: { nodeRole: 'node role' } }),
    ['values.schema.json: karpenter.nodeRole: must match pattern "^[A-Za-z0-9+=,.@_-]{1,64}$"']));
  test('a monitoring user without a password', () => assert.deepEqual(refused({ credentials: { mysql: { data: { 'monitoring-password': null } } } }),
    ['values.schema.json: credentials.mysql.data: must have required property \'monitoring-password\'']));
  test('a password that would break the URLs it is written into', () => assert.deepEqual(refused({ credentials: { redis: { data: { password: 'a@b' } } } }),
    ['values.schema.json: credentials.redis.data.password: must match pattern "^[A-Za-z0-9._~-]+$"']));
});

describe('tools/helm-template reproduces the Helm features the chart uses', () => {
  const FIXTURE = path.join(REPO, 'tests/deploy/fixtures/helm-features');
  const run = (args) => {
    buildRenderer();
    return spawnSync(RENDERER, [...args, '--namespace', 'ns', '--release-name', 'rel', FIXTURE], { encoding: 'utf8' });
  };

  test('values, release, chart, capabilities, files, include, tpl, required, toYaml, fromYaml, sprig', () => {
    const result = run(['-f', path.join(FIXTURE, 'overrides.yaml')]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^---\n# Source: features\/templates\/features\.yaml\n/);
    assert.deepEqual(parseObjects(result.stdout), [{
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rel-features', namespace: 'ns' },
      data: {
        chart: 'features-1.2.3-4.5', service: 'Helm', template: 'features/templates/features.yaml', basePath: 'features/templates',
        kube: 'v1.31.0/1/31', hasPolicy: 'true', hasIstio: 'false', replicas: '2', missing: '[]', tpl: 'shop-rel',
        required: 'given', nested: '{"inner":{"a":1,"b":3},"keep":"kept"}', list: 'three', fromYaml: 'c', badYaml: 'true',
        lookup: '0', sprig: 'ABCAB', sha: '2d711642', lines: '2', file: 'hello\nworld\n', block: 'a: 1\nb: 3\n',
      },
    }]);
  });
  test('required fails the render with its message', () => {
    const result = run([]);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /needed is required/);
  });
  test('a cluster older than Chart.yaml kubeVersion is refused', () => {
    const result = run(['-f', path.join(FIXTURE, 'overrides.yaml'), '--kube-version', '1.28.3']);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /chart requires kubeVersion: >= 1\.29\.0-0 which is incompatible with Kubernetes v1\.28\.3/);
  });
  test('NOTES.txt only with --notes', () => {
    assert.equal(run(['--notes', '-f', path.join(FIXTURE, 'overrides.yaml')]).stdout, 'Installed rel-features (1.2.3).\n');
  });
  test('env and expandenv are not there, as in Helm', () => {
    const chart = mkdtempSync(path.join(tmp, 'env-'));
    spawnSync('mkdir', ['-p', path.join(chart, 'templates')]);
    writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: env\nversion: 0.0.1\n');
    writeFileSync(path.join(chart, 'values.yaml'), '');
    writeFileSync(path.join(chart, 'templates/x.yaml'), 'a: {{ env "HOME" }}\n');
    const result = spawnSync(RENDERER, [chart], { encoding: 'utf8' });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /function "env" not defined/);
  });
});

test('the chart renders into the namespace its values name', () => {
  const objects = renderChart([writeValues('ns.yaml', { namespace: { create: false, name: 'shop-two' } })]);
  assert.ok(!objects.some((o) => o.kind === 'Namespace'));
  assert.deepEqual([...new Set(objects.map((o) => o.metadata.namespace))], ['shop-two']);
  assert.equal(NAMESPACE, 'robot-shop');
});

test('with every optional part, only Karpenter\'s objects are outside the namespace, and no query or selector names another', () => {
  const ns = writeValues('ns-all.yaml', { namespace: { create: false, name: 'shop-two' } });
  for (const rollout of [false, true]) {
    const parts = ['monitoring', 'chaos', rollout ? 'payment-rollout' : 'payment-canary', 'karpenter', 'tracing'];
    const objects = renderChart([PRODUCTION, ...parts.map((p) => values(`ci/${p}-values.yaml`)), inlineCredentialsValues(tmp), ns]);
    const outside = objects.filter((o) => o.metadata.namespace !== 'shop-two').map((o) => `${o.kind}/${o.metadata.name}`);
    assert.deepEqual(outside.sort(), ['EC2NodeClass/robot-shop', 'NodePool/robot-shop-app', 'NodePool/robot-shop-database']);
    const text = JSON.stringify(objects);
    for (const stale of ['namespace=\\"robot-shop\\"', 'namespace=\\\\\\"robot-shop', '"namespaces":["robot-shop"]', '.robot-shop.svc', '.robot-shop:']) {
      assert.ok(!text.includes(stale), `${stale} left in the render`);
    }
    assert.match(text, rollout ? /destination_workload_namespace=\\"shop-two\\"/ : /"namespaces":\["shop-two"\]/);
    // The services export their spans to the collector of this namespace.
    const settings = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'tracing-settings');
    assert.equal(settings.data.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector.shop-two:4318');
    const exporting = objects.filter((o) => o.spec?.template?.spec?.containers?.[0].envFrom?.some((e) => e.configMapRef?.name === 'tracing-settings'));
    assert.deepEqual(exporting.map((o) => o.metadata.name).sort(), ['cart', 'catalogue', 'dispatch', 'payment', rollout ? null : 'payment-v2', 'ratings', 'shipping', 'user', 'web'].filter(Boolean));
  }
});

describe('the files the chart shares with the Kustomize tree are copies of it', () => {
  const check = (chart) => spawnSync(path.join(REPO, 'scripts/chart-files'), ['--check', ...(chart ? [chart] : [])], { encoding: 'utf8' });

  test('scripts/chart-files --check finds every copy current', () => {
    const result = check();
    assert.equal(result.status, 0, result.stderr);
  });
  test('a copy edited, and a file that copies nothing, are named', () => {
    const chart = path.join(tmp, 'chart-copy');
    spawnSync('cp', ['-r', CHART_DIR, chart]);
    writeFileSync(path.join(chart, 'files/mysql-init.sh'), 'true\n', { flag: 'a' });
    writeFileSync(path.join(chart, 'files/monitoring/rules/extra.yaml'), 'a: 1\n');
    const result = check(chart);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^files\/mysql-init\.sh: not a copy of deploy\/kubernetes\/base\/datastores\/mysql-init\.sh \(run scripts\/chart-files\)$/m);
    assert.match(result.stderr, /^files\/monitoring\/rules\/extra\.yaml: copies nothing/m);
  });
  test('the tracing component\'s export patch: an operation the chart does not render fails the render, naming it', () => {
    const chart = path.join(tmp, 'chart-patch');
    spawnSync('cp', ['-r', CHART_DIR, chart]);
    const patch = path.join(chart, 'files/tracing/export-traces.yaml');
    writeFileSync(patch, '- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --trace\n', { flag: 'a' });
    assert.throws(() => renderChart([values('ci/tracing-values.yaml')], chart),
      /files\/tracing\/export-traces\.yaml: add \/spec\/template\/spec\/containers\/0\/args\/-: the chart renders only additions to the container's envFrom and env/);
  });
});
