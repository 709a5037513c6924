// tracing-policy.mjs - the rules the tracing objects of a rendered tree keep
// (components/tracing): the OpenTelemetry Collector's configuration is a
// pipeline the collector would start (every component a pipeline names is
// defined, every ${env:…} it reads is set, memory_limiter first and batch
// in every pipeline), it listens where its pod and probes say, and exports
// to a Service that exists; every service exports to the collector's
// OTLP/HTTP receiver, naming itself, its pod, namespace and version; and
// Istio's tracing provider (declared in meshConfig, which lives outside
// the rendered tree) points at the same receiver, reachable through the
// network policies. Each rule returns violations naming the object and the
// field (empty when it holds).
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { KUBE_DIR, REPO, objectName, podLabelSets, podLabelsOf, podSpecOf, selects, workloads } from './kube.mjs';
import { allowed, resolveCalls, settingsOf } from './policy.mjs';

const COLLECTOR_IMAGE = /\/opentelemetry-collector(-contrib)?:/;
const PIPELINE_KINDS = ['receivers', 'processors', 'exporters'];
const OTLP_EXPORTERS = new Set(['otlp', 'otlphttp']);

// The meshConfig fragment an operator gives istiod, as the component's
// README documents it, and the closed schema of the fields it may use.
export const TRACING_README = path.join(KUBE_DIR, 'components/tracing/README.md');
const MESH_CONFIG_SCHEMA = path.join(REPO, 'tests/deploy/schemas/istio.mesh.v1alpha1/MeshConfig.json');

const componentType = (id) => String(id).split('/')[0];

// The meshConfig block of a README: the ```yaml fence that starts with
// `meshConfig:`. Returns the parsed value of meshConfig, or null.
export function readMeshConfig(file = TRACING_README) {
  const m = /```yaml\n(meshConfig:\n[\s\S]*?)```/.exec(readFileSync(file, 'utf8'));
  return m ? YAML.parse(m[1]).meshConfig : null;
}

let meshConfigValidator = null;
export function meshConfigErrors(meshConfig) {
  if (!meshConfigValidator) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    meshConfigValidator = ajv.compile(JSON.parse(readFileSync(MESH_CONFIG_SCHEMA, 'utf8')));
  }
  if (meshConfigValidator(meshConfig)) return [];
  return meshConfigValidator.errors.map((e) => {
    const where = `meshConfig${e.instancePath.replaceAll('/', '.')}`;
    return `${where}: ${e.message}${e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`;
  });
}

function namedPort(c, port) {
  return (c.ports ?? []).find((p) => p.containerPort === port || p.name === port) ?? null;
}

function portOf(endpoint) {
  const m = /:(\d+)$/.exec(String(endpoint ?? ''));
  return m ? Number(m[1]) : null;
}

// Every collector rendered: {w, c, where, config} with config parsed from
// the ConfigMap key its --config flag names through a volume mount, or
// {error} when that chain does not resolve.
export function collectorsOf(objects) {
  const found = [];
  for (const w of workloads(objects)) {
    const spec = podSpecOf(w);
    for (const c of spec.containers ?? []) {
      if (!COLLECTOR_IMAGE.test(c.image ?? '')) continue;
      const where = `${objectName(w)}: container ${c.name}`;
      const args = [...(c.command ?? []), ...(c.args ?? [])];
      const flag = args.findIndex((a) => a === '--config' || a.startsWith('--config='));
      const file = flag === -1 ? null : (args[flag].includes('=') ? args[flag].split('=').slice(1).join('=') : args[flag + 1]);
      if (!file) {
        found.push({ w, c, where, error: `${where}: args: no --config file` });
        continue;
      }
      const mount = (c.volumeMounts ?? []).find((m) => path.dirname(file) === m.mountPath);
      const volume = mount && (spec.volumes ?? []).find((v) => v.name === mount.name);
      const map = volume?.configMap && objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === volume.configMap.name &&
        o.metadata?.namespace === w.metadata?.namespace);
      const text = map?.data?.[path.basename(file)];
      if (text === undefined) {
        found.push({ w, c, where, error: `${where}: --config ${file}: no ConfigMap key mounted there` });
        continue;
      }
      try {
        found.push({ w, c, where: `${where}: ${objectName(map)} ${path.basename(file)}`, config: YAML.parse(text) ?? {} });
      } catch (err) {
        found.push({ w, c, where, error: `${where}: ${objectName(map)} ${path.basename(file)}: YAML: ${err.message}` });
      }
    }
  }
  return found;
}

// The problems that would keep a collector from starting its pipelines.
export function pipelineErrors(config) {
  const out = [];
  const pipelines = config.service?.pipelines ?? {};
  if (!Object.keys(pipelines).length) out.push('service.pipelines: none');
  for (const [name, p] of Object.entries(pipelines)) {
    const at = `service.pipelines.${name}`;
    for (const kind of PIPELINE_KINDS) {
      (p?.[kind] ?? []).forEach((id, i) => {
        if (!Object.hasOwn(config[kind] ?? {}, id)) out.push(`${at}.${kind}[${i}]: ${id} is not defined under ${kind}`);
      });
    }
    if (!(p?.receivers ?? []).length) out.push(`${at}.receivers: none`);
    if (!(p?.exporters ?? []).length) out.push(`${at}.exporters: none`);
    const processors = (p?.processors ?? []).map(componentType);
    if (processors[0] !== 'memory_limiter') out.push(`${at}.processors: memory_limiter must come first`);
    if (!processors.includes('batch')) out.push(`${at}.processors: no batch`);
  }
  (config.service?.extensions ?? []).forEach((id, i) => {
    if (!Object.hasOwn(config.extensions ?? {}, id)) out.push(`service.extensions[${i}]: ${id} is not defined under extensions`);
  });
  return out;
}

// Every ${env:NAME} the configuration reads.
function envReferences(config) {
  return [...JSON.stringify(config).matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g)].map((m) => m[1]);
}

function expandEnv(value, env) {
  return String(value).replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (m, name, dflt) => env[name] ?? dflt ?? m);
}

// The OTLP receivers' ports: {grpc: [..], http: [..]}.
function otlpPorts(config) {
  const ports = { grpc: [], http: [] };
  for (const [id, r] of Object.entries(config.receivers ?? {})) {
    if (componentType(id) !== 'otlp') continue;
    for (const proto of ['grpc', 'http']) {
      if (r?.protocols && Object.hasOwn(r.protocols, proto)) ports[proto].push(portOf(r.protocols[proto]?.endpoint) ?? (proto === 'grpc' ? 4317 : 4318));
    }
  }
  return ports;
}

function probePort(c, probe) {
  const p = c[probe]?.httpGet?.port;
  return typeof p === 'number' ? p : namedPort(c, p)?.containerPort ?? null;
}

// A host name's Service in namespace ns ("jaeger", "jaeger.ns", …,
// "jaeger.ns.svc.cluster.local"), or null.
function serviceOf(host, ns, objects) {
  const parts = host.split('.');
  if (parts.length > 1 && (parts[1] !== ns || (parts.length > 2 && parts[2] !== 'svc'))) return null;
  return objects.find((o) => o.kind === 'Service' && o.metadata?.name === parts[0] && o.metadata?.namespace === ns) ?? null;
}

// The container port of some pod behind svc that its port number reaches.
function servicePortTargets(svc, number, objects) {
  const svcPort = (svc.spec?.ports ?? []).find((p) => p.port === number);
  if (!svcPort) return null;
  return workloads(objects).filter((w) => w.metadata?.namespace === svc.metadata?.namespace && selects(svc.spec?.selector, podLabelsOf(w)))
    .flatMap((w) => (podSpecOf(w).containers ?? []).map((c) => ({ w, port: namedPort(c, svcPort.targetPort ?? svcPort.port) })))
    .filter((t) => t.port);
}

// Each collector: a pipeline that starts, every env it reads set, every
// port it listens on declared by its container, probes on health_check,
// and each OTLP exporter aimed at a Service port that reaches a pod.
export function collectorRules(objects) {
  const out = [];
  for (const col of collectorsOf(objects)) {
    if (col.error) {
      out.push(col.error);
      continue;
    }
    const { w, c, where, config } = col;
    out.push(...pipelineErrors(config).map((e) => `${where}: ${e}`));
    const env = settingsOf(w, c, objects);
    for (const name of envReferences(config)) {
      if (!Object.hasOwn(env, name)) out.push(`${where}: \${env:${name}}: not set in the container's environment`);
    }
    const listens = otlpPorts(config);
    for (const port of [...listens.grpc, ...listens.http]) {
      if (!namedPort(c, port)) out.push(`${where}: receivers.otlp listens on ${port}, which container ${c.name} does not declare`);
    }
    const health = Object.entries(config.extensions ?? {}).find(([id]) => componentType(id) === 'health_check');
    if (!health) out.push(`${where}: extensions: no health_check for the probes`);
    else {
      const port = portOf(health[1]?.endpoint) ?? 13133;
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        if (probePort(c, probe) !== port) out.push(`${where}: ${probe} probes port ${probePort(c, probe)}, not health_check's ${port}`);
      }
      if (!(config.service?.extensions ?? []).includes(health[0])) out.push(`${where}: service.extensions: ${health[0]} not enabled`);
    }
    for (const [id, e] of Object.entries(config.exporters ?? {})) {
      if (!OTLP_EXPORTERS.has(componentType(id))) continue;
      const raw = expandEnv(e?.endpoint ?? '', env);
      let url;
      try {
        url = new URL(/^[a-z]+:\/\//.test(raw) ? raw : `http://${raw}`);
      } catch {
        out.push(`${where}: exporters.${id}.endpoint ${raw}: not an address`);
        continue;
      }
      const svc = serviceOf(url.hostname, w.metadata?.namespace, objects);
      const targets = svc && servicePortTargets(svc, Number(url.port), objects);
      if (!svc) out.push(`${where}: exporters.${id}.endpoint ${raw}: no Service ${url.hostname}`);
      else if (!targets?.length) out.push(`${where}: exporters.${id}.endpoint ${raw}: Service ${svc.metadata.name} has no port ${url.port} reaching a pod`);
    }
  }
  return out;
}

function envEntry(c, name) {
  return (c.env ?? []).find((e) => e.name === name);
}

function fieldPathOf(c, name) {
  return envEntry(c, name)?.valueFrom?.fieldRef?.fieldPath ?? null;
}

// The downward-API field each resource attribute must come from.
const RESOURCE_ATTRIBUTES = {
  'k8s.namespace.name': () => 'metadata.namespace',
  'k8s.pod.name': () => 'metadata.name',
  'service.version': () => "metadata.labels['version']",
};

// With a collector rendered, every service exports to its OTLP/HTTP
// receiver (through a Service port), names itself as its
// app.kubernetes.io/name label does, and describes its pod.
export function exportRules(objects) {
  const collectors = collectorsOf(objects).filter((x) => !x.error);
  if (!collectors.length) return [];
  const out = [];
  const calls = resolveCalls(objects);
  for (const w of workloads(objects).filter((x) => podLabelsOf(x)['app.kubernetes.io/component'] === 'service')) {
    const c = podSpecOf(w).containers[0];
    const at = `${objectName(w)}: container ${c.name}`;
    const env = settingsOf(w, c, objects);
    const labels = podLabelsOf(w);
    const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
    if (!endpoint) out.push(`${at}: OTEL_EXPORTER_OTLP_ENDPOINT: not set`);
    else {
      const call = calls.find((x) => x.from === w && x.setting === 'OTEL_EXPORTER_OTLP_ENDPOINT');
      if (call && !call.error) {
        for (const t of call.targets) {
          const col = collectors.find((x) => x.w === t.workload);
          const http = col ? otlpPorts(col.config).http : [];
          if (!col) out.push(`${at}: OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}: reaches ${objectName(t.workload)}, not a collector`);
          else if (!t.port || !http.includes(t.port.containerPort)) {
            out.push(`${at}: OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}: reaches port ${t.port?.containerPort} of ${t.workload.metadata.name}, not its OTLP/HTTP receiver (${http.join(', ') || 'none'})`);
          }
        }
      } // an unresolved endpoint is urlRules' violation (policy.mjs)
    }
    const nameField = fieldPathOf(c, 'OTEL_SERVICE_NAME');
    const nameValue = envEntry(c, 'OTEL_SERVICE_NAME')?.value ?? env.OTEL_SERVICE_NAME;
    if (nameField !== "metadata.labels['app.kubernetes.io/name']" && nameValue !== labels['app.kubernetes.io/name']) {
      out.push(`${at}: OTEL_SERVICE_NAME: neither the pod's app.kubernetes.io/name label nor "${labels['app.kubernetes.io/name']}"`);
    }
    const attrs = envEntry(c, 'OTEL_RESOURCE_ATTRIBUTES')?.value;
    if (!attrs) {
      out.push(`${at}: OTEL_RESOURCE_ATTRIBUTES: not set`);
      continue;
    }
    const pairs = Object.fromEntries(attrs.split(',').map((kv) => kv.split('=')).map(([k, ...v]) => [k.trim(), v.join('=')]));
    for (const [key, field] of Object.entries(RESOURCE_ATTRIBUTES)) {
      const ref = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(pairs[key] ?? '');
      if (!ref || fieldPathOf(c, ref[1]) !== field()) out.push(`${at}: OTEL_RESOURCE_ATTRIBUTES: ${key} is not $(VAR) of an env var from ${field()}`);
    }
    // An Argo Rollout labels its stable and canary pods with their version.
    if (!podLabelSets(w).every((l) => l.version)) out.push(`${at}: OTEL_RESOURCE_ATTRIBUTES: service.version: the pod has no version label`);
  }
  return out;
}

// With a Telemetry that traces: every provider it names is an
// OpenTelemetry provider of meshConfig, aimed (by the Service's cluster
// name) at a collector's OTLP receiver of the provider's protocol
// (OTLP/HTTP at /v1/traces when `http` is set, gRPC otherwise), with a
// sampling percentage; and the network policies, when rendered, let every
// pod it selects reach that receiver.
export function meshTracingRules(objects, meshConfig = readMeshConfig()) {
  const out = [];
  const collectors = collectorsOf(objects).filter((x) => !x.error);
  const hasPolicies = objects.some((o) => o.kind === 'NetworkPolicy');
  for (const t of objects.filter((o) => o.kind === 'Telemetry')) {
    (t.spec?.tracing ?? []).forEach((tracing, i) => {
      const at = `${objectName(t)}: spec.tracing[${i}]`;
      const pct = tracing.randomSamplingPercentage;
      if (typeof pct !== 'number' || pct < 0 || pct > 100) out.push(`${at}.randomSamplingPercentage: must be set, 0 to 100`);
      (tracing.providers ?? []).forEach((ref, j) => {
        const where = `${at}.providers[${j}] ${ref.name}`;
        const provider = (meshConfig?.extensionProviders ?? []).find((p) => p.name === ref.name);
        const otel = provider?.opentelemetry;
        if (!otel) {
          out.push(`${where}: no opentelemetry extension provider of that name in meshConfig (${path.relative(REPO, TRACING_README)})`);
          return;
        }
        const ns = t.metadata?.namespace;
        const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(otel.service ?? '');
        const svc = m && m[2] === ns ? serviceOf(m[1], ns, objects) : null;
        if (!svc) {
          out.push(`${where}: meshConfig service ${otel.service}: not the cluster name of a Service of ${ns}`);
          return;
        }
        const targets = servicePortTargets(svc, otel.port, objects) ?? [];
        const proto = otel.http ? 'http' : 'grpc';
        if (otel.http && otel.http.path !== '/v1/traces') out.push(`${where}: meshConfig http.path ${otel.http.path}: the collector takes OTLP/HTTP traces at /v1/traces`);
        const receiving = targets.filter(({ w, port }) => collectors.some((col) => col.w === w && otlpPorts(col.config)[proto].includes(port.containerPort)));
        if (!receiving.length) {
          out.push(`${where}: meshConfig ${otel.service}:${otel.port}: reaches no collector's OTLP/${proto === 'http' ? 'HTTP' : 'gRPC'} receiver`);
          return;
        }
        if (!hasPolicies) return;
        const selected = workloads(objects).filter((w) => w.metadata?.namespace === ns && (!t.spec.selector || selects(t.spec.selector, podLabelsOf(w))));
        for (const w of selected) {
          for (const target of receiving) {
            const { egressOk, ingressOk } = allowed(w, target.w, target.port, objects);
            if (!egressOk || !ingressOk) {
              out.push(`${where}: NetworkPolicy ${egressOk ? 'ingress' : 'egress'} does not let ${w.metadata.name}'s sidecar reach ${target.w.metadata.name}:${target.port.containerPort}`);
            }
          }
        }
      });
    });
  }
  return out;
}

export const TRACING_RULES = { collectorRules, exportRules, meshTracingRules };
