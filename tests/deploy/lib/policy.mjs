// policy.mjs - the rules every rendered deployment of the shop keeps, as
// functions of the rendered objects. Each rule returns a list of
// violations, one string each, naming the object and the field; an empty
// list means the rule holds. policy.test.mjs applies them to every overlay
// and combination, and to mutated copies that each rule must catch.
import { objectName, podLabelsOf, podSpecOf, selects, workloads } from './kube.mjs';

const DEFAULT_PORTS = { http: 80, https: 443, redis: 6379, mysql: 3306, amqp: 5672, mongodb: 27017 };

// The only sources a policy may admit beyond the shop's own calls: the
// public front door, Prometheus scraping, and the cluster's DNS.
export const PUBLIC_WORKLOADS = new Set(['web']);
const PROMETHEUS = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
const DNS = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, port: 53 };
const ISTIOD = { namespace: 'istio-system', labels: { app: 'istiod' }, port: 15012 };
const INGRESS_GATEWAY = { namespace: 'istio-system', labels: { istio: 'ingressgateway' } };
const KEDA = { namespace: 'keda', labels: { app: 'keda-operator' } };
// An in-cluster load generator (component load-test: the chaos component's
// k6 Job) calls the shop as a shopper does, through the ingress gateway's
// Service (port 80, 8080 on its pods), and nothing else.
const LOAD_TEST = 'load-test';
const INGRESS_GATEWAY_SERVICE = { host: 'istio-ingressgateway.istio-system.svc.cluster.local', port: 80, podPort: 8080 };

function nameOf(obj) {
  return obj.metadata?.labels?.['app.kubernetes.io/name'] ?? obj.metadata?.name;
}

function componentOf(obj) {
  return podLabelsOf(obj)['app.kubernetes.io/component'];
}

function allContainers(spec) {
  return [...(spec.initContainers ?? []).map((c) => ({ c, init: true })), ...(spec.containers ?? []).map((c) => ({ c, init: false }))];
}

function isLongRunning(obj) {
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'].includes(obj.kind);
}

function replicasOf(obj) {
  return obj.spec?.replicas ?? 1;
}

// -- containers --------------------------------------------------------------

// Probes, requests and limits, and a locked-down security context on every
// container; no API token; a grace period that covers the shutdown.
export function containerRules(objects) {
  const out = [];
  for (const w of workloads(objects)) {
    const spec = podSpecOf(w);
    const where = objectName(w);
    const podSec = spec.securityContext ?? {};
    if (spec.automountServiceAccountToken !== false) out.push(`${where}: spec.template.spec.automountServiceAccountToken: must be false`);
    for (const { c, init } of allContainers(spec)) {
      const at = `${where}: container ${c.name}`;
      if (isLongRunning(w) && !init) {
        if (!c.readinessProbe) out.push(`${at}: readinessProbe: missing`);
        if (!c.livenessProbe) out.push(`${at}: livenessProbe: missing`);
      }
      for (const kind of ['requests', 'limits']) {
        for (const res of ['cpu', 'memory']) {
          if (c.resources?.[kind]?.[res] === undefined) out.push(`${at}: resources.${kind}.${res}: missing`);
        }
      }
      const sec = c.securityContext ?? {};
      if ((sec.runAsNonRoot ?? podSec.runAsNonRoot) !== true) out.push(`${at}: securityContext.runAsNonRoot: must be true`);
      const uid = sec.runAsUser ?? podSec.runAsUser;
      if (uid === undefined || uid === 0) out.push(`${at}: securityContext.runAsUser: must be a numeric non-root user`);
      if (sec.allowPrivilegeEscalation !== false) out.push(`${at}: securityContext.allowPrivilegeEscalation: must be false`);
      if (sec.readOnlyRootFilesystem !== true) out.push(`${at}: securityContext.readOnlyRootFilesystem: must be true`);
      if (!(sec.capabilities?.drop ?? []).includes('ALL')) out.push(`${at}: securityContext.capabilities.drop: must include ALL`);
      if ((sec.capabilities?.add ?? []).length) out.push(`${at}: securityContext.capabilities.add: must be empty`);
      if (sec.privileged) out.push(`${at}: securityContext.privileged: must not be set`);
      const seccomp = sec.seccompProfile?.type ?? podSec.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${at}: securityContext.seccompProfile: must be RuntimeDefault`);
    }
    out.push(...gracePeriodRule(w, objects));
  }
  return out;
}

// A service's pod must be given time for its preStop wait plus its drain.
function gracePeriodRule(w, objects) {
  if (componentOf(w) !== 'service') return [];
  const spec = podSpecOf(w);
  const c = spec.containers[0];
  const drainMs = Number(settingsOf(w, c, objects).SHUTDOWN_GRACE_MS ?? 10000);
  const preStopS = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const grace = spec.terminationGracePeriodSeconds ?? 30;
  if (grace < preStopS + drainMs / 1000) {
    return [`${objectName(w)}: spec.template.spec.terminationGracePeriodSeconds: ${grace} s is less than preStop ${preStopS} s + SHUTDOWN_GRACE_MS ${drainMs} ms`];
  }
  return [];
}

// -- images ------------------------------------------------------------------

// Every image names a version: a tag other than latest, or a digest.
export function imageRules(objects) {
  const out = [];
  for (const w of workloads(objects)) {
    for (const { c } of allContainers(podSpecOf(w))) {
      const image = c.image ?? '';
      const at = `${objectName(w)}: container ${c.name}: image ${JSON.stringify(image)}`;
      if (image.includes('@sha256:')) continue;
      const lastPart = image.split('/').pop();
      const tag = lastPart.includes(':') ? lastPart.split(':').pop() : '';
      if (!tag) out.push(`${at}: no tag (pin a version)`);
      else if (tag === 'latest') out.push(`${at}: tag latest (pin a version)`);
      if (c.imagePullPolicy === 'Always') out.push(`${at}: imagePullPolicy Always with a pinned tag`);
    }
  }
  return out;
}

// -- services ----------------------------------------------------------------

function containerPorts(w) {
  return (podSpecOf(w).containers ?? []).flatMap((c) => c.ports ?? []);
}

function podsOfService(svc, objects) {
  return workloads(objects).filter((w) => selects(svc.spec?.selector, podLabelsOf(w)));
}

// The container port (as {number, name}) a Service port reaches on w.
function targetOf(svcPort, w) {
  const target = svcPort.targetPort ?? svcPort.port;
  return containerPorts(w).find((p) => p.containerPort === target || p.name === target) ?? null;
}

// Every Service selects at least one workload, and every one of its ports
// reaches a port those pods declare; an ExternalName Service (a datastore
// outside the cluster) names its host instead.
export function serviceRules(objects) {
  const out = [];
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    if (svc.spec?.type === 'ExternalName') {
      if (!svc.spec.externalName) out.push(`${objectName(svc)}: spec.externalName: missing`);
      continue;
    }
    const pods = podsOfService(svc, objects);
    if (!svc.spec?.selector || !pods.length) {
      out.push(`${objectName(svc)}: spec.selector: selects no pods of any workload`);
      continue;
    }
    for (const port of svc.spec.ports ?? []) {
      for (const w of pods) {
        if (!targetOf(port, w)) out.push(`${objectName(svc)}: spec.ports[${port.name ?? port.port}].targetPort ${port.targetPort}: no such port on ${objectName(w)}`);
      }
    }
  }
  return out;
}

// -- settings and calls ------------------------------------------------------

function findConfig(objects, kind, name) {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name);
}

// A container's settings as its process sees them: envFrom ConfigMaps and
// Secrets, then env with $(VAR) expanded; secret values read as 'x'.
export function settingsOf(w, c, objects) {
  const env = {};
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const obj = findConfig(objects, from.configMapRef ? 'ConfigMap' : 'Secret', ref.name);
    if (!obj) continue;
    for (const [k, v] of Object.entries(obj.data ?? {})) env[`${from.prefix ?? ''}${k}`] = from.configMapRef ? v : 'x';
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v) => env[v] ?? m);
    else env[e.name] = 'x';
  }
  return env;
}

// Every env reference to a ConfigMap or Secret (and key) must exist.
export function referenceRules(objects) {
  const out = [];
  for (const w of workloads(objects)) {
    const spec = podSpecOf(w);
    for (const { c } of allContainers(spec)) {
      for (const from of c.envFrom ?? []) {
        const isMap = Boolean(from.configMapRef);
        const ref = from.configMapRef ?? from.secretRef;
        if (!ref.optional && !findConfig(objects, isMap ? 'ConfigMap' : 'Secret', ref.name)) {
          out.push(`${objectName(w)}: container ${c.name}: envFrom ${isMap ? 'ConfigMap' : 'Secret'} ${ref.name}: not found`);
        }
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        if (!ref || ref.optional) continue;
        const kind = e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
        const obj = findConfig(objects, kind, ref.name);
        if (!obj) out.push(`${objectName(w)}: container ${c.name}: env ${e.name}: ${kind} ${ref.name} not found`);
        else if (!Object.hasOwn(obj.data ?? obj.stringData ?? {}, ref.key)) out.push(`${objectName(w)}: container ${c.name}: env ${e.name}: ${kind} ${ref.name} has no key ${ref.key}`);
      }
    }
    for (const v of spec.volumes ?? []) {
      if (v.configMap && !findConfig(objects, 'ConfigMap', v.configMap.name)) out.push(`${objectName(w)}: volume ${v.name}: ConfigMap ${v.configMap.name} not found`);
      if (v.secret && !findConfig(objects, 'Secret', v.secret.secretName)) out.push(`${objectName(w)}: volume ${v.name}: Secret ${v.secret.secretName} not found`);
      if (v.persistentVolumeClaim && !findConfig(objects, 'PersistentVolumeClaim', v.persistentVolumeClaim.claimName)) {
        out.push(`${objectName(w)}: volume ${v.name}: PersistentVolumeClaim ${v.persistentVolumeClaim.claimName} not found`);
      }
    }
  }
  return out;
}

function urlsIn(value) {
  return String(value).split(/[\s,]+/).filter((u) => /^[a-z][a-z0-9+.-]*:\/\//.test(u));
}

// Settings that name a peer without ending in _URL: OpenTelemetry's OTLP
// endpoint (components/tracing: every service exports to the collector).
const URL_SETTINGS = new Set(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);

// The calls each workload makes, read from its *_URL settings (and the
// OTLP endpoint): [{from: workload, setting, url, host, port, service?}].
export function callsOf(objects) {
  const calls = [];
  for (const w of workloads(objects)) {
    for (const { c } of allContainers(podSpecOf(w))) {
      for (const [setting, value] of Object.entries(settingsOf(w, c, objects))) {
        if (!setting.endsWith('_URL') && !URL_SETTINGS.has(setting)) continue;
        for (const url of urlsIn(value)) {
          let parsed;
          try {
            parsed = new URL(url);
          } catch {
            calls.push({ from: w, setting, url, error: 'not a URL' });
            continue;
          }
          const scheme = parsed.protocol.replace(':', '');
          const port = Number(parsed.port || DEFAULT_PORTS[scheme]);
          calls.push({ from: w, setting, url, host: parsed.hostname, port });
        }
      }
    }
  }
  return calls;
}

// A cluster-local host name's Service name: "cart", "cart.robot-shop",
// "cart.robot-shop.svc" and "cart.robot-shop.svc.cluster.local".
function serviceNameOf(host, namespace) {
  const parts = host.split('.');
  if (parts.length === 1) return parts[0];
  if (parts[1] === namespace && (parts.length === 2 || parts[2] === 'svc')) return parts[0];
  return null;
}

// Resolves each call to the Service, port and workloads it reaches.
export function resolveCalls(objects) {
  return callsOf(objects).map((call) => {
    if (call.error) return call;
    if (componentOf(call.from) === LOAD_TEST && call.host === INGRESS_GATEWAY_SERVICE.host) {
      return call.port === INGRESS_GATEWAY_SERVICE.port ? { ...call, infra: 'ingress gateway', targets: [] }
        : { ...call, error: `the ingress gateway has no port ${call.port}` };
    }
    const ns = call.from.metadata?.namespace;
    const name = serviceNameOf(call.host, ns);
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata?.name === name && o.metadata?.namespace === ns);
    if (!svc) return { ...call, error: `no Service ${call.host}` };
    const svcPort = (svc.spec.ports ?? []).find((p) => p.port === call.port);
    if (!svcPort) return { ...call, error: `Service ${name} has no port ${call.port}` };
    const targets = podsOfService(svc, objects).map((w) => ({ workload: w, port: targetOf(svcPort, w) }));
    return { ...call, service: svc, targets, external: svc.spec.type === 'ExternalName' };
  });
}

// Every *_URL setting names a Service of the namespace and a port it has.
export function urlRules(objects) {
  return resolveCalls(objects).filter((c) => c.error)
    .map((c) => `${objectName(c.from)}: env ${c.setting}=${c.url}: ${c.error}`);
}

// -- scheduling --------------------------------------------------------------

function tolerates(spec, key, value, effect) {
  return (spec.tolerations ?? []).some((t) => t.key === key && (t.operator === 'Exists' || t.value === value) && (!t.effect || t.effect === effect));
}

function requiresNodeLabel(spec, key, value) {
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const bySelector = spec.nodeSelector?.[key] === value;
  return bySelector || (terms.length > 0 && terms.every((t) => (t.matchExpressions ?? []).some((e) => e.key === key && e.operator === 'In' && e.values.length === 1 && e.values[0] === value)));
}

// Does an affinity term select the workload's own pods (and only the pods
// of its own kind: the term, with matchLabelKeys applied to its labels)?
function termSelectsOwnPods(term, labels) {
  if (!term?.labelSelector || !selects(term.labelSelector, labels)) return false;
  const keys = term.matchLabelKeys ?? [];
  const names = term.labelSelector.matchLabels?.['app.kubernetes.io/name'];
  return names === labels['app.kubernetes.io/name'] || keys.includes('app.kubernetes.io/name');
}

// The production topology: datastores on database nodes (affinity and the
// taint's toleration) and never two of one on a node; services on app nodes,
// two or more replicas, kept apart and spread.
export function productionSchedulingRules(objects) {
  const out = [];
  for (const w of workloads(objects)) {
    const spec = podSpecOf(w);
    const labels = podLabelsOf(w);
    const where = objectName(w);
    if (componentOf(w) === 'datastore') {
      if (!tolerates(spec, 'workload', 'database', 'NoSchedule')) out.push(`${where}: spec.template.spec.tolerations: no toleration of workload=database:NoSchedule`);
      if (!requiresNodeLabel(spec, 'workload', 'database')) out.push(`${where}: spec.template.spec.affinity.nodeAffinity: not required to run on workload=database nodes`);
      const anti = spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
      if (!anti.some((t) => t.topologyKey === 'kubernetes.io/hostname' && termSelectsOwnPods(t, labels))) {
        out.push(`${where}: spec.template.spec.affinity.podAntiAffinity: no required anti-affinity between its replicas per node`);
      }
    } else if (componentOf(w) === 'service') {
      if (!requiresNodeLabel(spec, 'workload', 'app')) out.push(`${where}: spec.template.spec.affinity.nodeAffinity: not required to run on workload=app nodes`);
      if (tolerates(spec, 'workload', 'database', 'NoSchedule')) out.push(`${where}: spec.template.spec.tolerations: a service must not tolerate the database taint`);
      const anti = spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      if (!anti.some((t) => t.podAffinityTerm?.topologyKey === 'kubernetes.io/hostname' && termSelectsOwnPods(t.podAffinityTerm, labels))) {
        out.push(`${where}: spec.template.spec.affinity.podAntiAffinity: no preferred anti-affinity between its replicas per node`);
      }
      const spread = spec.topologySpreadConstraints ?? [];
      if (!spread.some((t) => t.topologyKey === 'topology.kubernetes.io/zone' && termSelectsOwnPods(t, labels))) {
        out.push(`${where}: spec.template.spec.topologySpreadConstraints: no spread of its replicas over zones`);
      }
      if (replicasOf(w) < 2) out.push(`${where}: spec.replicas: ${replicasOf(w)}; production runs at least 2 of every service`);
    }
  }
  return out;
}

// Every workload of two or more replicas has a PodDisruptionBudget that
// still lets one pod go.
export function disruptionBudgetRules(objects) {
  const out = [];
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const w of workloads(objects).filter((x) => isLongRunning(x) && replicasOf(x) >= 2)) {
    const covering = pdbs.filter((p) => selects(p.spec?.selector, podLabelsOf(w)));
    const pdb = covering[0];
    if (covering.length > 1) out.push(`${objectName(w)}: its pods are under ${covering.length} PodDisruptionBudgets (${covering.map((p) => p.metadata.name).join(', ')}), so none can be evicted`);
    if (!pdb) {
      out.push(`${objectName(w)}: ${replicasOf(w)} replicas and no PodDisruptionBudget`);
      continue;
    }
    const minAvailable = pdb.spec.minAvailable;
    if (pdb.spec.maxUnavailable === 0 || (typeof minAvailable === 'number' && minAvailable >= replicasOf(w))) {
      out.push(`${objectName(pdb)}: spec: allows no disruption of ${objectName(w)}`);
    }
  }
  return out;
}

// -- namespace and credentials -----------------------------------------------

// Objects that live in no namespace; every other kind must name the shop's.
const CLUSTER_KINDS = new Set(['Namespace', 'NodePool', 'EC2NodeClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass']);

// The shop's namespace enforces the restricted Pod Security profile, and
// every namespaced object is in it.
export function namespaceRules(objects) {
  const out = [];
  const namespaces = objects.filter((o) => o.kind === 'Namespace');
  if (!namespaces.length) out.push('Namespace: none rendered');
  const names = new Set(namespaces.map((n) => n.metadata?.name));
  for (const o of objects.filter((x) => !CLUSTER_KINDS.has(x.kind))) {
    if (!names.has(o.metadata?.namespace)) out.push(`${objectName(o)}: metadata.namespace: ${o.metadata?.namespace ?? 'unset'}, not the shop's namespace`);
  }
  for (const ns of namespaces) {
    if (ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') {
      out.push(`${objectName(ns)}: metadata.labels["pod-security.kubernetes.io/enforce"]: must be restricted`);
    }
  }
  return out;
}

// No development placeholder may reach a production Secret.
export function productionSecretRules(objects) {
  const out = [];
  for (const s of objects.filter((o) => o.kind === 'Secret')) {
    for (const [k, v] of Object.entries(s.data ?? {})) {
      if (Buffer.from(v, 'base64').toString().includes('dev-placeholder')) out.push(`${objectName(s)}: data.${k}: a dev placeholder`);
    }
    for (const [k, v] of Object.entries(s.stringData ?? {})) {
      if (String(v).includes('dev-placeholder')) out.push(`${objectName(s)}: stringData.${k}: a dev placeholder`);
    }
  }
  return out;
}

// -- network policies --------------------------------------------------------

function peerSelectsPod(peer, policyNs, w) {
  if (peer.ipBlock) return false;
  if (peer.namespaceSelector) return false; // other namespaces: checked on their own below
  return selects(peer.podSelector ?? {}, podLabelsOf(w)) && (w.metadata?.namespace === policyNs);
}

function portMatches(rulePorts, port) {
  if (!rulePorts || !rulePorts.length) return true;
  return rulePorts.some((p) => (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || p.port === port.containerPort || p.port === port.name));
}

function policiesFor(w, objects, type) {
  return objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata?.namespace === w.metadata?.namespace &&
    (o.spec.policyTypes ?? ['Ingress']).includes(type) && selects(o.spec.podSelector, podLabelsOf(w)));
}

// Is traffic from workload a to port of workload b allowed by both sides?
export function allowed(a, b, port, objects) {
  const egress = policiesFor(a, objects, 'Egress');
  const ingress = policiesFor(b, objects, 'Ingress');
  const egressOk = !egress.length || egress.some((p) => (p.spec.egress ?? []).some((r) =>
    (!r.to || !r.to.length || r.to.some((peer) => peerSelectsPod(peer, p.metadata.namespace, b))) && portMatches(r.ports, port)));
  const ingressOk = !ingress.length || ingress.some((p) => (p.spec.ingress ?? []).some((r) =>
    (!r.from || !r.from.length || r.from.some((peer) => peerSelectsPod(peer, p.metadata.namespace, a))) && portMatches(r.ports, port)));
  return { egressOk, ingressOk };
}

// Does a peer name exactly these pods of that namespace (and not, say,
// every pod of it)?
function isPeer(peer, which) {
  return peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === which.namespace &&
    Object.keys(peer.podSelector?.matchLabels ?? {}).length > 0 && selects(peer.podSelector, which.labels);
}

// The workloads an Istio VirtualService sends ingress traffic to.
function routedFromIngress(objects) {
  const hosts = objects.filter((o) => o.kind === 'VirtualService')
    .flatMap((vs) => (vs.spec.http ?? []).flatMap((r) => (r.route ?? []).map((d) => d.destination.host.split('.')[0])));
  return new Set(hosts);
}

// Is an ingress peer from outside the namespace one of the infrastructure
// sources the shop admits to dst?
function isInfraSource(peer, dst, objects) {
  if (isPeer(peer, PROMETHEUS)) return true;
  if (isPeer(peer, KEDA)) return nameOf(dst) === 'rabbitmq';
  return isPeer(peer, INGRESS_GATEWAY) && routedFromIngress(objects).has(nameOf(dst));
}

function isInfraDestination(peer, rulePorts, sources) {
  const only = (port) => (rulePorts ?? []).length > 0 && rulePorts.every((x) => x.port === port);
  const loadTestOnly = sources.length > 0 && sources.every((w) => componentOf(w) === LOAD_TEST);
  return (isPeer(peer, DNS) && only(DNS.port)) || (isPeer(peer, ISTIOD) && only(ISTIOD.port)) ||
    (loadTestOnly && isPeer(peer, INGRESS_GATEWAY) && only(INGRESS_GATEWAY_SERVICE.podPort));
}

// Does an egress rule let the caller out to an address outside the
// cluster on this port (an ipBlock peer, for an external datastore)?
function allowsExternal(policies, port) {
  return policies.some((p) => (p.spec.egress ?? []).some((r) => (r.to ?? []).some((peer) => peer.ipBlock) &&
    (r.ports ?? []).some((x) => (x.protocol ?? 'TCP') === 'TCP' && x.port === port)));
}

// With NetworkPolicies rendered: every pod is under a default deny both
// ways; every call the services make is allowed by the caller's egress and
// the callee's ingress (an external datastore's, by an ipBlock on its
// port); and every peer a policy names is one of those calls, Prometheus,
// the DNS, the public front door, or Istio (istiod, and its ingress gateway
// to the workloads a VirtualService routes to).
export function networkPolicyRules(objects) {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  if (!policies.length) return [];
  const out = [];
  const all = workloads(objects);
  for (const w of all) {
    for (const type of ['Ingress', 'Egress']) {
      if (!policiesFor(w, objects, type).length) out.push(`${objectName(w)}: no NetworkPolicy restricts its ${type.toLowerCase()}`);
    }
  }
  const calls = resolveCalls(objects).filter((c) => !c.error);
  const externalCalls = calls.filter((c) => c.external);
  for (const call of externalCalls) {
    const egress = policiesFor(call.from, objects, 'Egress');
    if (egress.length && !allowsExternal(egress, call.port)) {
      out.push(`${objectName(call.from)}: NetworkPolicy egress does not allow ${nameOf(call.from)} → ${call.host}:${call.port} (${call.setting}), an external datastore`);
    }
  }
  // An ipBlock egress peer is an external datastore's address when every
  // pod the policy selects calls one on every port the rule opens.
  const isExternalStoreRule = (rule, selected) => (rule.ports ?? []).length > 0 && selected.length > 0 &&
    rule.ports.every((x) => selected.every((src) => externalCalls.some((c) => c.from === src && c.port === x.port)));
  for (const call of calls) {
    for (const t of call.targets) {
      if (!t.port) continue;
      const { egressOk, ingressOk } = allowed(call.from, t.workload, t.port, objects);
      const what = `${nameOf(call.from)} → ${nameOf(t.workload)}:${t.port.containerPort} (${call.setting})`;
      if (!egressOk) out.push(`${objectName(call.from)}: NetworkPolicy egress does not allow ${what}`);
      if (!ingressOk) out.push(`${objectName(t.workload)}: NetworkPolicy ingress does not allow ${what}`);
    }
  }
  const isCall = (a, b, port) => calls.some((c) => c.from === a && c.targets.some((t) => t.workload === b && t.port &&
    portMatches([{ port: t.port.containerPort }], port)));
  for (const p of policies) {
    const ns = p.metadata.namespace;
    const selected = all.filter((w) => w.metadata?.namespace === ns && selects(p.spec.podSelector, podLabelsOf(w)));
    (p.spec.ingress ?? []).forEach((rule, i) => {
      const at = `${objectName(p)}: spec.ingress[${i}]`;
      if (!rule.from || !rule.from.length) {
        for (const w of selected) if (!PUBLIC_WORKLOADS.has(nameOf(w))) out.push(`${at}: admits any source to ${nameOf(w)}, which is not public`);
        return;
      }
      rule.from.forEach((peer, j) => {
        if (peer.namespaceSelector || peer.ipBlock) {
          for (const dst of selected) {
            if (!isInfraSource(peer, dst, objects)) out.push(`${at}.from[${j}]: admits a source outside the shop to ${nameOf(dst)} (only Prometheus, KEDA to RabbitMQ, and Istio's ingress gateway to what it routes to)`);
          }
          return;
        }
        for (const src of all.filter((x) => peerSelectsPod(peer, ns, x))) {
          for (const dst of selected) {
            const ports = containerPorts(dst).filter((port) => portMatches(rule.ports, port));
            if (!ports.some((port) => isCall(src, dst, port))) out.push(`${at}.from[${j}]: admits ${nameOf(src)} → ${nameOf(dst)}, a call the shop does not make`);
          }
        }
      });
    });
    (p.spec.egress ?? []).forEach((rule, i) => {
      const at = `${objectName(p)}: spec.egress[${i}]`;
      if (!rule.to || !rule.to.length) {
        out.push(`${at}: allows any destination`);
        return;
      }
      rule.to.forEach((peer, j) => {
        if (peer.namespaceSelector || peer.ipBlock) {
          if (!isInfraDestination(peer, rule.ports, selected) && !(peer.ipBlock && isExternalStoreRule(rule, selected))) {
            out.push(`${at}.to[${j}]: a destination outside the shop other than the DNS, istiod, an external datastore, or (for a load test only) the ingress gateway`);
          }
          return;
        }
        for (const src of selected) {
          for (const dst of all.filter((x) => peerSelectsPod(peer, ns, x))) {
            const ports = containerPorts(dst).filter((port) => portMatches(rule.ports, port));
            if (!ports.some((port) => isCall(src, dst, port))) out.push(`${at}.to[${j}]: allows ${nameOf(src)} → ${nameOf(dst)}, a call the shop does not make`);
          }
        }
      });
    });
  }
  return out;
}

// -- monitoring ----------------------------------------------------------------

// Is pod w's port (a container port, {containerPort, name}) admitted from
// Prometheus by an ingress policy (one naming it, or any source), or by no
// ingress policy at all?
function prometheusMayScrape(w, port, objects) {
  const ingress = policiesFor(w, objects, 'Ingress');
  return !ingress.length || ingress.some((p) => (p.spec.ingress ?? []).some((r) =>
    (!r.from || !r.from.length || r.from.some((peer) => isPeer(peer, PROMETHEUS))) && portMatches(r.ports, port)));
}

// The port an endpoint's relabeling moves the address to (Istio's merged
// metrics, say: `$1:15020`), as a container port; null when it keeps it.
function relabeledPort(endpoint) {
  const r = (endpoint.relabelings ?? []).find((x) => x.targetLabel === '__address__');
  const m = /:(\d+)$/.exec(r?.replacement ?? '');
  return m ? { containerPort: Number(m[1]) } : null;
}

// What Prometheus is told to scrape is there, and may be scraped: every
// ServiceMonitor selects a Service with the named port, every PodMonitor
// pods with it, and the NetworkPolicies (when rendered) admit Prometheus
// to each pod on each of those ports. Exporters are scraped only this way,
// never called by the shop, so the call rules above do not see them.
export function monitorRules(objects) {
  const out = [];
  const scraped = []; // {monitor, workload, port}
  for (const m of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const where = objectName(m);
    const services = objects.filter((o) => o.kind === 'Service' && o.metadata?.namespace === m.metadata?.namespace && selects(m.spec?.selector, o.metadata?.labels ?? {}));
    if (!services.length) out.push(`${where}: spec.selector: selects no Service`);
    for (const [i, e] of (m.spec?.endpoints ?? []).entries()) {
      for (const svc of services) {
        const svcPort = (svc.spec.ports ?? []).find((p) => p.name === e.port);
        if (!svcPort) {
          out.push(`${where}: spec.endpoints[${i}].port ${e.port}: no such port on ${objectName(svc)}`);
          continue;
        }
        for (const w of podsOfService(svc, objects)) {
          const port = targetOf(svcPort, w);
          if (port) scraped.push({ where: `${where}: spec.endpoints[${i}]`, w, port });
        }
      }
    }
  }
  for (const m of objects.filter((o) => o.kind === 'PodMonitor')) {
    const where = objectName(m);
    const pods = workloads(objects).filter((w) => w.metadata?.namespace === m.metadata?.namespace && selects(m.spec?.selector, podLabelsOf(w)));
    if (!pods.length) out.push(`${where}: spec.selector: selects no pods of any workload`);
    for (const [i, e] of (m.spec?.podMetricsEndpoints ?? []).entries()) {
      for (const w of pods) {
        const port = containerPorts(w).find((p) => p.name === e.port);
        if (!port) out.push(`${where}: spec.podMetricsEndpoints[${i}].port ${e.port}: no such port on ${objectName(w)}`);
        else scraped.push({ where: `${where}: spec.podMetricsEndpoints[${i}]`, w, port: relabeledPort(e) ?? port });
      }
    }
  }
  if (objects.some((o) => o.kind === 'NetworkPolicy')) {
    for (const { where, w, port } of scraped) {
      if (!prometheusMayScrape(w, port, objects)) out.push(`${where}: NetworkPolicy ingress does not admit Prometheus to ${nameOf(w)}:${port.name ?? port.containerPort}`);
    }
  }
  return out;
}

// A datastore's exporter signs in as the datastore's monitoring user and
// no other: every credential it reads from a Secret is a
// monitoring-password, and it names the user monitoring wherever it names
// one (MariaDB's --mysqld.username, MongoDB's and Redis's *_USER).
const EXPORTER_USER_ENV = ['MONGODB_USER', 'REDIS_USER'];
export function exporterCredentialRules(objects) {
  const out = [];
  for (const w of workloads(objects)) {
    for (const c of podSpecOf(w)?.containers ?? []) {
      if (c.name !== 'exporter') continue;
      const where = `${objectName(w)}: container exporter`;
      for (const e of c.env ?? []) {
        const key = e.valueFrom?.secretKeyRef?.key;
        if (key !== undefined && key !== 'monitoring-password') out.push(`${where}: env ${e.name}: reads ${key}, not the monitoring user's monitoring-password`);
        if (EXPORTER_USER_ENV.includes(e.name) && e.value !== 'monitoring') out.push(`${where}: env ${e.name}: signs in as ${e.value ?? 'a user from a Secret'}, not monitoring`);
      }
      for (const a of c.args ?? []) {
        const user = /^--mysqld\.username=(.*)$/.exec(a)?.[1];
        if (user !== undefined && user !== 'monitoring') out.push(`${where}: args: signs in as ${user}, not monitoring`);
      }
    }
  }
  return out;
}

// With Karpenter NodePools rendered: every workload's required node label
// is one a pool gives its nodes, and every pool's taints are tolerated by
// the workloads that must run there.
export function nodePoolRules(objects) {
  const pools = objects.filter((o) => o.kind === 'NodePool');
  if (!pools.length) return [];
  const out = [];
  for (const w of workloads(objects)) {
    const spec = podSpecOf(w);
    const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    const wanted = terms.flatMap((t) => (t.matchExpressions ?? []).filter((e) => e.operator === 'In').map((e) => [e.key, e.values]));
    if (!wanted.length) continue;
    const fitting = pools.filter((p) => wanted.every(([k, values]) => values.includes(p.spec.template.metadata?.labels?.[k])));
    if (!fitting.length) {
      out.push(`${objectName(w)}: spec.template.spec.affinity.nodeAffinity: no NodePool makes nodes labelled ${wanted.map(([k, v]) => `${k}=${v.join('|')}`).join(', ')}`);
      continue;
    }
    for (const p of fitting) {
      for (const t of p.spec.template.spec.taints ?? []) {
        if (!tolerates(spec, t.key, t.value, t.effect)) out.push(`${objectName(w)}: spec.template.spec.tolerations: does not tolerate ${t.key}=${t.value}:${t.effect} of NodePool ${p.metadata.name}`);
      }
    }
  }
  return out;
}

// The rules every rendered tree keeps, and those only production keeps.
export const COMMON_RULES = {
  containerRules, imageRules, serviceRules, referenceRules, urlRules, disruptionBudgetRules, namespaceRules, networkPolicyRules, nodePoolRules,
  monitorRules, exporterCredentialRules,
};
export const PRODUCTION_RULES = { productionSchedulingRules, productionSecretRules };
