// The tracing component (components/tracing) keeps lib/tracing-policy.mjs
// in every rendered tree: the Collector's configuration is a pipeline it
// would start, the services export to its OTLP/HTTP receiver, Istio's
// provider (the README's meshConfig, schema-checked) reaches it through the
// network policies. Each rule is then shown to catch a broken copy of
// production with tracing, and the policy, mesh and schema rules to catch
// what tracing adds to them.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import YAML from 'yaml';
import { expectCaughtIn, violationsOf } from './lib/caught.mjs';
import { KUBE_DIR, podSpecOf, render, renderTargets } from './lib/kube.mjs';
import { MESH_RULES } from './lib/mesh-policy.mjs';
import { COMMON_RULES, PRODUCTION_RULES } from './lib/policy.mjs';
import { validateObjects } from './lib/schema.mjs';
import { TRACING_RULES, meshConfigErrors, meshTracingRules, readMeshConfig } from './lib/tracing-policy.mjs';

const SERVICES = ['cart', 'catalogue', 'dispatch', 'payment', 'ratings', 'shipping', 'user', 'web'];

const violations = (objects, rules = TRACING_RULES) => violationsOf(objects, rules);

describe('every rendered tree keeps the tracing policies', () => {
  for (const target of renderTargets()) {
    test(target.name, () => assert.deepEqual(violations(render(target.dir)), []));
  }
});

test("the README's meshConfig validates against Istio's MeshConfig fields, and the schema refuses a misspelt one", () => {
  const mesh = readMeshConfig();
  assert.ok(mesh, 'no ```yaml block starting with meshConfig: in the tracing README');
  assert.deepEqual(meshConfigErrors(mesh), []);
  const broken = structuredClone(mesh);
  broken.extensionProviders[0].opentelemetry.htttp = broken.extensionProviders[0].opentelemetry.http;
  delete broken.extensionProviders[0].opentelemetry.http;
  assert.deepEqual(meshConfigErrors(broken), ['meshConfig.extensionProviders.0.opentelemetry: must NOT have additional properties (htttp)']);
  const wrongType = structuredClone(mesh);
  wrongType.extensionProviders[0].opentelemetry.port = '4318';
  assert.deepEqual(meshConfigErrors(wrongType), ['meshConfig.extensionProviders.0.opentelemetry.port: must be integer']);
});

describe('production with tracing', () => {
  const production = render(path.join(KUBE_DIR, 'tests/production-tracing'));
  const find = (objects, kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const container = (objects, name) => podSpecOf(find(objects, 'Deployment', name)).containers[0];
  const rules = { ...TRACING_RULES, ...COMMON_RULES, ...PRODUCTION_RULES, ...MESH_RULES };

  // The collector's configuration, edited in place through its YAML.
  function editConfig(objects, edit) {
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('otel-collector-config'));
    const config = YAML.parse(map.data['config.yaml']);
    edit(config);
    map.data['config.yaml'] = YAML.stringify(config);
  }

  const expectCaught = expectCaughtIn(production, (objects) => violations(objects, rules));

  test('renders the collector, Jaeger, the Telemetry, and an exporting pod of every service', async () => {
    for (const name of ['otel-collector', 'jaeger']) {
      assert.ok(find(production, 'Deployment', name), `no Deployment ${name}`);
      assert.equal(find(production, 'Deployment', name).metadata.namespace, 'robot-shop');
    }
    assert.deepEqual(production.filter((o) => o.kind === 'Service' && o.metadata.labels?.['app.kubernetes.io/component'] === 'tracing')
      .map((s) => `${s.metadata.name}:${s.spec.ports.map((p) => p.port).join(',')}`).sort(), ['jaeger-query:16686', 'jaeger:4317,4318', 'otel-collector:4317,4318']);
    assert.ok(find(production, 'Telemetry', 'tracing'));
    const exporting = production.filter((o) => o.kind === 'Deployment' && (o.spec.template.spec.containers[0].env ?? []).some((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES'));
    assert.deepEqual(exporting.map((d) => d.metadata.name).sort(), SERVICES);
    const tracing = production.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'tracing' || o.kind === 'Telemetry');
    assert.deepEqual(await validateObjects(tracing), []);
  });

  test('a pipeline exporter, receiver or processor that is not defined', () => {
    expectCaught((o) => editConfig(o, (c) => { delete c.exporters['otlp/jaeger']; }),
      /^Deployment\/robot-shop\/otel-collector: container otel-collector: ConfigMap\/robot-shop\/otel-collector-config-\w+ config\.yaml: service\.pipelines\.traces\.exporters\[0\]: otlp\/jaeger is not defined under exporters/);
    expectCaught((o) => editConfig(o, (c) => { c.service.pipelines.traces.receivers = ['otlp', 'zipkin']; }),
      /service\.pipelines\.traces\.receivers\[1\]: zipkin is not defined under receivers/);
    expectCaught((o) => editConfig(o, (c) => { c.service.pipelines.traces.processors.push('k8sattributes'); }),
      /service\.pipelines\.traces\.processors\[2\]: k8sattributes is not defined under processors/);
    expectCaught((o) => editConfig(o, (c) => { c.service.extensions = ['health_check', 'zpages']; }),
      /service\.extensions\[1\]: zpages is not defined under extensions/);
  });

  test('a pipeline without exporters, and one unbounded or unbatched', () => {
    expectCaught((o) => editConfig(o, (c) => { c.service.pipelines.traces.exporters = []; }), /service\.pipelines\.traces\.exporters: none/);
    expectCaught((o) => editConfig(o, (c) => { c.service.pipelines.traces.processors = ['batch', 'memory_limiter']; }),
      /service\.pipelines\.traces\.processors: memory_limiter must come first/);
    expectCaught((o) => editConfig(o, (c) => { c.service.pipelines.traces.processors = ['memory_limiter']; }), /service\.pipelines\.traces\.processors: no batch/);
  });

  test('an environment variable the configuration reads and the container lacks', () => expectCaught((o) => {
    container(o, 'otel-collector').env = container(o, 'otel-collector').env.filter((e) => e.name !== 'JAEGER_OTLP_URL');
  }, /\$\{env:JAEGER_OTLP_URL\}: not set in the container's environment/));

  test('a receiver port the pod does not declare, and probes off health_check', () => {
    expectCaught((o) => editConfig(o, (c) => { c.receivers.otlp.protocols.http.endpoint = '0.0.0.0:4319'; }),
      /receivers\.otlp listens on 4319, which container otel-collector does not declare/);
    expectCaught((o) => editConfig(o, (c) => { c.extensions.health_check.endpoint = '0.0.0.0:13134'; }),
      /readinessProbe probes port 13133, not health_check's 13134/);
  });

  test('an exporter aimed at a Service or port that does not exist', () => {
    expectCaught((o) => {
      container(o, 'otel-collector').env.find((e) => e.name === 'JAEGER_OTLP_URL').value = 'http://jaeger-collector:4317';
    }, /exporters\.otlp\/jaeger\.endpoint http:\/\/jaeger-collector:4317: no Service jaeger-collector/);
    expectCaught((o) => editConfig(o, (c) => { c.exporters['otlp/jaeger'].endpoint = 'jaeger:14250'; }),
      /exporters\.otlp\/jaeger\.endpoint jaeger:14250: Service jaeger has no port 14250 reaching a pod/);
  });

  test("a service's endpoint at the collector's gRPC port, at no Service, or unset", () => {
    const settings = (o) => o.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('tracing-settings'));
    expectCaught((o) => { settings(o).data.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://otel-collector.robot-shop:4317'; },
      /^Deployment\/robot-shop\/cart: container cart: OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/otel-collector\.robot-shop:4317: reaches port 4317 of otel-collector, not its OTLP\/HTTP receiver \(4318\)/);
    expectCaught((o) => { settings(o).data.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://otel-collector.monitoring:4318'; },
      /^Deployment\/robot-shop\/web: env OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/otel-collector\.monitoring:4318: no Service otel-collector\.monitoring/);
    expectCaught((o) => {
      const c = container(o, 'ratings');
      c.envFrom = c.envFrom.filter((f) => !f.configMapRef?.name.startsWith('tracing-settings'));
    }, /^Deployment\/robot-shop\/ratings: container ratings: OTEL_EXPORTER_OTLP_ENDPOINT: not set/);
  });

  test("a service named otherwise than its label, or without its pod's attributes", () => {
    expectCaught((o) => { container(o, 'user').env.find((e) => e.name === 'OTEL_SERVICE_NAME').valueFrom.fieldRef.fieldPath = 'metadata.name'; },
      /^Deployment\/robot-shop\/user: container user: OTEL_SERVICE_NAME: neither the pod's app\.kubernetes\.io\/name label nor "user"/);
    expectCaught((o) => {
      const attrs = container(o, 'shipping').env.find((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES');
      attrs.value = attrs.value.replace(/,?k8s\.pod\.name=[^,]*/, '');
    }, /^Deployment\/robot-shop\/shipping: container shipping: OTEL_RESOURCE_ATTRIBUTES: k8s\.pod\.name is not \$\(VAR\) of an env var from metadata\.name/);
  });

  test("Istio's provider: undeclared, at the wrong port or path, or blocked by the network policies", () => {
    const mesh = readMeshConfig();
    const check = (objects, meshConfig) => meshTracingRules(objects, meshConfig);
    assert.deepEqual(check(production, mesh), []);
    const edited = (edit) => { const m = structuredClone(mesh); edit(m.extensionProviders[0].opentelemetry, m); return m; };
    const expect = (found, pattern) => assert.ok(found.some((v) => pattern.test(v)), `expected ${pattern}, got:\n${found.join('\n') || '(none)'}`);
    expect(check(production, edited((p, m) => { m.extensionProviders[0].name = 'otel'; })),
      /^Telemetry\/robot-shop\/tracing: spec\.tracing\[0\]\.providers\[0\] robot-shop-otel: no opentelemetry extension provider of that name in meshConfig/);
    expect(check(production, edited((p) => { p.port = 4317; })),
      /robot-shop-otel: meshConfig otel-collector\.robot-shop\.svc\.cluster\.local:4317: reaches no collector's OTLP\/HTTP receiver/);
    expect(check(production, edited((p) => { p.http.path = '/v1/trace'; })), /meshConfig http\.path \/v1\/trace: the collector takes OTLP\/HTTP traces at \/v1\/traces/);
    expect(check(production, edited((p) => { p.service = 'otel-collector.monitoring.svc.cluster.local'; })),
      /meshConfig service otel-collector\.monitoring\.svc\.cluster\.local: not the cluster name of a Service of robot-shop/);
    const blocked = structuredClone(production);
    find(blocked, 'NetworkPolicy', 'otel-collector').spec.ingress[0].ports = [{ port: 4317, protocol: 'TCP' }];
    expect(check(blocked, mesh), /robot-shop-otel: NetworkPolicy ingress does not let web's sidecar reach otel-collector:4318/);
    const noSampling = structuredClone(production);
    delete find(noSampling, 'Telemetry', 'tracing').spec.tracing[0].randomSamplingPercentage;
    expect(check(noSampling, mesh), /^Telemetry\/robot-shop\/tracing: spec\.tracing\[0\]\.randomSamplingPercentage: must be set/);
  });

  test('the network policies: an export or a hand-off they do not allow, and one nobody makes', () => {
    expectCaught((o) => { o.splice(o.indexOf(find(o, 'NetworkPolicy', 'trace-export')), 1); },
      /^Deployment\/robot-shop\/dispatch: NetworkPolicy egress does not allow dispatch → otel-collector:4318 \(OTEL_EXPORTER_OTLP_ENDPOINT\)/);
    expectCaught((o) => { find(o, 'NetworkPolicy', 'jaeger').spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/name'] = 'web'; },
      /^Deployment\/robot-shop\/jaeger: NetworkPolicy ingress does not allow otel-collector → jaeger:4317 \(JAEGER_OTLP_URL\)/);
    expectCaught((o) => { find(o, 'NetworkPolicy', 'otel-collector').spec.egress[0].ports = [{ port: 16686, protocol: 'TCP' }]; },
      /^NetworkPolicy\/robot-shop\/otel-collector: spec\.egress\[0\]\.to\[0\]: allows otel-collector → jaeger, a call the shop does not make/);
  });

  test('the collector inside the mesh, where no AuthorizationPolicy admits the exports', () => expectCaught((o) => {
    delete find(o, 'Deployment', 'otel-collector').spec.template.metadata.labels['sidecar.istio.io/inject'];
  }, /^Deployment\/robot-shop\/otel-collector: no AuthorizationPolicy allows cart \(cluster\.local\/ns\/robot-shop\/sa\/cart\) on port 4318/));

  test('a collector or Jaeger container that breaks the container rules', () => {
    expectCaught((o) => { container(o, 'jaeger').securityContext.readOnlyRootFilesystem = false; },
      /^Deployment\/robot-shop\/jaeger: container jaeger: securityContext\.readOnlyRootFilesystem/);
    expectCaught((o) => { container(o, 'otel-collector').image = 'docker.io/otel/opentelemetry-collector-contrib:latest'; },
      /^Deployment\/robot-shop\/otel-collector: container otel-collector: image .*: tag latest/);
  });
});
