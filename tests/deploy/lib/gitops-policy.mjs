// gitops-policy.mjs - the rules the Argo CD objects of
// deploy/kubernetes/gitops keep, as functions of rendered objects: the
// Applications an ApplicationSet makes, what their project permits, their
// sync policy, and the sync waves of what they deploy. Each returns
// violations, one string each; gitops.test.mjs applies them to the
// rendered trees and to mutated copies that each must catch.
import { objectName, podSpecOf, workloads } from './kube.mjs';
import { resolveCalls } from './policy.mjs';

const WAVE = 'argocd.argoproj.io/sync-wave';

// The Applications a list-generated ApplicationSet makes, its {{.key}}
// placeholders filled from each element: [{env element, app}].
export function applicationsOf(appset) {
  const elements = appset.spec.generators.flatMap((g) => g.list?.elements ?? []);
  return elements.map((element) => {
    const text = JSON.stringify(appset.spec.template).replace(/\{\{\s*\.(\w+)\s*\}\}/g, (m, k) => {
      if (!Object.hasOwn(element, k)) throw new Error(`${objectName(appset)}: template names .${k}, which element ${JSON.stringify(element)} lacks`);
      return element[k];
    });
    return { element, app: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...JSON.parse(text) } };
  });
}

function groupOf(obj) {
  return obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
}

// An Application syncs itself: automated, pruning and self-healing, with
// retries; and it ignores the replicas of whatever an HPA in its tree
// scales, on sync too.
export function syncPolicyRules(app, rendered) {
  const out = [];
  const where = `Application/${app.metadata.name}`;
  const sync = app.spec.syncPolicy ?? {};
  if (sync.automated?.prune !== true) out.push(`${where}: spec.syncPolicy.automated.prune: must be true`);
  if (sync.automated?.selfHeal !== true) out.push(`${where}: spec.syncPolicy.automated.selfHeal: must be true`);
  if (!(sync.retry?.limit > 0)) out.push(`${where}: spec.syncPolicy.retry: none`);
  const ignored = app.spec.ignoreDifferences ?? [];
  const scaled = rendered.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef);
  for (const ref of scaled) {
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
    if (!ignored.some((d) => (d.group ?? '') === group && d.kind === ref.kind && (d.jsonPointers ?? []).includes('/spec/replicas'))) {
      out.push(`${where}: spec.ignoreDifferences: does not ignore /spec/replicas of ${ref.kind} ${ref.name}, which an HPA scales`);
    }
  }
  if (scaled.length && !(sync.syncOptions ?? []).includes('RespectIgnoreDifferences=true')) out.push(`${where}: spec.syncPolicy.syncOptions: RespectIgnoreDifferences=true missing, so a sync would reset the HPA's replicas`);
  return out;
}

// The Application stays inside its project: the project's repository and
// destination, and every kind it renders on the project's lists.
export function projectRules(app, project, rendered) {
  const out = [];
  const where = `Application/${app.metadata.name}`;
  if (app.spec.project !== project.metadata.name) out.push(`${where}: spec.project ${app.spec.project}: not ${project.metadata.name}`);
  if (!project.spec.sourceRepos.includes(app.spec.source.repoURL)) out.push(`${where}: spec.source.repoURL ${app.spec.source.repoURL}: not a source of AppProject ${project.metadata.name}`);
  const d = app.spec.destination;
  if (!project.spec.destinations.some((p) => p.server === d.server && p.namespace === d.namespace)) out.push(`${where}: spec.destination ${d.server} ${d.namespace}: not a destination of AppProject ${project.metadata.name}`);
  for (const o of rendered) {
    const list = o.metadata.namespace ? project.spec.namespaceResourceWhitelist : project.spec.clusterResourceWhitelist;
    if (!(list ?? []).some((w) => w.group === groupOf(o) && w.kind === o.kind)) out.push(`${where}: ${objectName(o)}: kind ${groupOf(o) || 'core'}/${o.kind} not permitted by AppProject ${project.metadata.name}`);
    if (o.metadata.namespace && o.metadata.namespace !== d.namespace) out.push(`${where}: ${objectName(o)}: outside the destination namespace ${d.namespace}`);
  }
  return out;
}

function waveOf(o) {
  const w = o.metadata?.annotations?.[WAVE];
  return w === undefined ? undefined : Number(w);
}

function find(objects, kind, name) {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name);
}

// Every object has a wave; the namespace comes first; a workload comes
// after its service account, ConfigMaps and Secrets; every datastore a
// service calls comes before it; what routes to a Service, or scales a
// workload, comes after it.
export function syncWaveRules(objects) {
  const out = [];
  const later = (a, b, why) => {
    if (!(waveOf(a) > waveOf(b))) out.push(`${objectName(a)}: sync wave ${waveOf(a)} is not after ${objectName(b)}'s ${waveOf(b)} (${why})`);
  };
  const notBefore = (a, b, why) => {
    if (!(waveOf(a) >= waveOf(b))) out.push(`${objectName(a)}: sync wave ${waveOf(a)} is before ${objectName(b)}'s ${waveOf(b)} (${why})`);
  };
  for (const o of objects) {
    const w = o.metadata?.annotations?.[WAVE];
    if (w === undefined || !/^-?\d+$/.test(w)) out.push(`${objectName(o)}: metadata.annotations["${WAVE}"]: ${w === undefined ? 'missing' : `${w}, not an integer`}`);
  }
  const ns = objects.find((o) => o.kind === 'Namespace');
  for (const o of objects) if (ns && o !== ns && waveOf(o) < waveOf(ns)) out.push(`${objectName(o)}: sync wave ${waveOf(o)} is before the namespace's`);
  for (const w of workloads(objects)) {
    const spec = podSpecOf(w);
    const sa = find(objects, 'ServiceAccount', spec.serviceAccountName);
    if (sa) notBefore(w, sa, 'its service account');
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const from of c.envFrom ?? []) {
        const ref = find(objects, from.configMapRef ? 'ConfigMap' : 'Secret', (from.configMapRef ?? from.secretRef).name);
        if (ref) notBefore(w, ref, 'its settings');
      }
      for (const e of c.env ?? []) {
        const r = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        const ref = r && find(objects, e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap', r.name);
        if (ref) notBefore(w, ref, `its ${e.name}`);
      }
    }
  }
  for (const call of resolveCalls(objects).filter((c) => !c.error && c.service)) {
    for (const t of call.targets) {
      if (t.workload.metadata.labels?.['app.kubernetes.io/component'] === 'datastore') later(call.from, t.workload, `it calls ${nameOfCall(call)}`);
    }
  }
  for (const vs of objects.filter((o) => o.kind === 'VirtualService')) {
    for (const host of new Set((vs.spec.http ?? []).flatMap((r) => (r.route ?? []).map((d) => d.destination.host.split('.')[0])))) {
      const svc = find(objects, 'Service', host);
      if (svc) later(vs, svc, `it routes to ${host}`);
    }
  }
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const target = find(objects, hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name);
    if (target) later(hpa, target, 'it scales it');
  }
  return out;
}

function nameOfCall(call) {
  return `${call.host}:${call.port}`;
}
