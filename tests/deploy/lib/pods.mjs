// pods.mjs - turns the rendered objects of an overlay into what podman 4.3's
// `kube play` can run, for the container smoke run (smoke.test.mjs). Each
// change is one that podman needs, not a change of what runs:
// - kube play knows Pods, Deployments, PersistentVolumeClaims and
//   ConfigMaps, not StatefulSets: a StatefulSet's pod template becomes a
//   Deployment of the same name and replicas, its volumeClaimTemplates
//   PersistentVolumeClaims named as Kubernetes names them (<claim>-<set>-0);
// - it does not expand $(VAR) in env values, command and args: done here
//   from the container's env, as the kubelet does;
// - it skips Services: every Service that selects a workload's pods becomes
//   a DNS alias of those pods on the podman network (see aliasesOf);
// - it reads a secretKeyRef or secretRef from podman's secret store, as a
//   JSON object of base64 values (a Secret's data): secretsOf gives those;
// - the ports that the readiness probes use are published on 127.0.0.1
//   (hostPort), so that the runner can probe them from this machine.
// Everything else (securityContext, resources, envFrom, volumes, probes'
// definitions) goes to podman as rendered.

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet']);

const clone = (v) => structuredClone(v);

export function byKind(objects, kind) {
  return objects.filter((o) => o.kind === kind);
}

function labelsMatch(selector, labels) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

// The Services whose selector picks the workload's pods: its DNS names.
export function aliasesOf(workload, objects) {
  const labels = workload.spec.template.metadata?.labels ?? {};
  return byKind(objects, 'Service')
    .filter((s) => s.spec?.selector && Object.keys(s.spec.selector).length && labelsMatch(s.spec.selector, labels))
    .map((s) => s.metadata.name);
}

// A Secret as podman's kube play reads it: {key: base64 value}.
export function secretData(secret) {
  const data = { ...(secret.data ?? {}) };
  for (const [k, v] of Object.entries(secret.stringData ?? {})) data[k] = Buffer.from(String(v)).toString('base64');
  return data;
}

function lookupKey(objects, kind, name, key) {
  const obj = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!obj) return undefined;
  if (kind === 'Secret') {
    const v = secretData(obj)[key];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString();
  }
  return obj.data?.[key];
}

// The container's environment as the kubelet computes it: envFrom first,
// then env in order (each may use the ones before it). With rewrite, each
// env value is replaced by its expansion.
export function environmentOf(container, objects, { rewrite = false } = {}) {
  const env = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const obj = objects.find((o) => o.kind === kind && o.metadata.name === ref.name);
    if (!obj) continue;
    const data = kind === 'Secret' ? secretData(obj) : obj.data ?? {};
    for (const [k, v] of Object.entries(data)) {
      env[(from.prefix ?? '') + k] = kind === 'Secret' ? Buffer.from(v, 'base64').toString() : v;
    }
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = expand(e.value, env);
      if (rewrite) e.value = env[e.name];
    }
    else if (e.valueFrom?.secretKeyRef) env[e.name] = lookupKey(objects, 'Secret', e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = lookupKey(objects, 'ConfigMap', e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.key);
  }
  return env;
}

// Kubernetes' $(VAR) expansion: a defined variable is replaced, $$ is a
// literal $, anything else stays as written.
export function expand(text, env) {
  return String(text).replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name) => {
    if (m === '$$') return '$';
    return env[name] !== undefined ? env[name] : m;
  });
}

// The container port a probe checks, by number or by name.
export function probePort(probe, container) {
  const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
  if (port === undefined) return undefined;
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

// A StatefulSet as a Deployment, and the claims of its first pod.
function fromStatefulSet(sts) {
  const claims = (sts.spec.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `${t.metadata.name}-${sts.metadata.name}-0`, labels: t.metadata.labels },
    spec: t.spec,
  }));
  const template = clone(sts.spec.template);
  template.spec.volumes = [
    ...(template.spec.volumes ?? []),
    ...claims.map((c, i) => ({ name: sts.spec.volumeClaimTemplates[i].metadata.name, persistentVolumeClaim: { claimName: c.metadata.name } })),
  ];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: clone(sts.metadata),
    spec: { replicas: sts.spec.replicas ?? 1, selector: clone(sts.spec.selector), template },
  };
  return { deployment, claims };
}

// One workload as the documents of one `podman kube play` file, and what
// the runner needs to know about it. hostPortFor(workload, container, port)
// picks the loopback port a probed container port is published on.
export function playable(workload, objects, hostPortFor) {
  let deployment = clone(workload);
  let claims = [];
  if (workload.kind === 'StatefulSet') ({ deployment, claims } = fromStatefulSet(workload));
  const spec = deployment.spec.template.spec;
  const probes = [];
  for (const c of spec.containers) {
    const env = environmentOf(c, objects, { rewrite: true });
    if (c.command) c.command = c.command.map((a) => expand(a, env));
    if (c.args) c.args = c.args.map((a) => expand(a, env));
    const port = probePort(c.readinessProbe, c);
    let hostPort;
    if (port !== undefined) {
      hostPort = hostPortFor(workload, c, port);
      const p = c.ports?.find((x) => x.containerPort === port);
      if (p) Object.assign(p, { hostPort, hostIP: '127.0.0.1' });
      else (c.ports ??= []).push({ containerPort: port, hostPort, hostIP: '127.0.0.1' });
    }
    probes.push({ container: c.name, probe: c.readinessProbe, hostPort, env });
  }
  const used = new Set();
  for (const c of spec.containers) {
    for (const from of c.envFrom ?? []) if (from.configMapRef) used.add(from.configMapRef.name);
    for (const e of c.env ?? []) if (e.valueFrom?.configMapKeyRef) used.add(e.valueFrom.configMapKeyRef.name);
  }
  for (const v of spec.volumes ?? []) if (v.configMap) used.add(v.configMap.name);
  const configMaps = byKind(objects, 'ConfigMap').filter((c) => used.has(c.metadata.name));
  const secrets = new Set();
  for (const c of spec.containers) {
    for (const from of c.envFrom ?? []) if (from.secretRef) secrets.add(from.secretRef.name);
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  const pvcNames = new Set((spec.volumes ?? []).filter((v) => v.persistentVolumeClaim).map((v) => v.persistentVolumeClaim.claimName));
  const pvcs = [...byKind(objects, 'PersistentVolumeClaim').filter((p) => pvcNames.has(p.metadata.name)), ...claims];
  return {
    name: workload.metadata.name,
    kind: workload.kind,
    replicas: deployment.spec.replicas ?? 1,
    aliases: aliasesOf(workload, objects),
    documents: [...configMaps, ...pvcs, deployment],
    // podman keeps a configMap volume as a named volume of the ConfigMap's name
    volumes: [...pvcs.map((p) => p.metadata.name), ...(spec.volumes ?? []).filter((v) => v.configMap).map((v) => v.configMap.name)],
    secrets: [...secrets],
    probes,
  };
}
