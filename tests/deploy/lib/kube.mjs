// kube.mjs - renders Kustomize trees and reads their objects: the one way
// the deploy tests get at what `kubectl apply -k` would send to a cluster.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const KUBE_DIR = path.join(REPO, 'deploy/kubernetes');

// Renders a kustomization directory with kubectl's built-in kustomize;
// throws with kustomize's own message when the tree does not build.
export function render(dir) {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) throw new Error(`kubectl kustomize ${dir}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr.trim()}`);
  return parseObjects(result.stdout);
}

// Parses a multi-document YAML stream into plain objects (empty documents
// dropped); a YAML error names the document.
export function parseObjects(text) {
  const objects = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`YAML: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

// Everything `make deploy-check` renders: both overlays and every
// combination kept under deploy/kubernetes/tests/, as {name, dir}.
export function renderTargets() {
  const targets = ['dev', 'production'].map((name) => ({
    name: `overlays/${name}`, dir: path.join(KUBE_DIR, 'overlays', name),
  }));
  const testsDir = path.join(KUBE_DIR, 'tests');
  for (const entry of readdirSync(testsDir, { withFileTypes: true })) {
    const dir = path.join(testsDir, entry.name);
    if (entry.isDirectory() && existsSync(path.join(dir, 'kustomization.yaml'))) {
      targets.push({ name: `tests/${entry.name}`, dir });
    }
  }
  return targets;
}

export function objectName(obj) {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind}/${ns}${obj.metadata?.name}`;
}

// The pod template of a workload, or null for kinds without one.
export function podSpecOf(obj) {
  switch (obj.kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'Rollout':
      return obj.spec?.template?.spec ?? null;
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template?.spec ?? null;
    case 'Pod':
      return obj.spec ?? null;
    default:
      return null;
  }
}

export function podLabelsOf(obj) {
  if (obj.kind === 'Pod') return obj.metadata?.labels ?? {};
  if (obj.kind === 'CronJob') return obj.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
  return obj.spec?.template?.metadata?.labels ?? {};
}

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'Rollout']);

// Every set of labels a workload's pods may carry: an Argo Rollout adds its
// stable and canary labels to the template's.
export function podLabelSets(obj) {
  const labels = podLabelsOf(obj);
  if (obj.kind !== 'Rollout') return [labels];
  const canary = obj.spec?.strategy?.canary ?? {};
  return [canary.stableMetadata, canary.canaryMetadata].filter(Boolean).map((m) => ({ ...labels, ...m.labels }));
}

export function workloads(objects) {
  return objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
}

// Does a label selector ({matchLabels, matchExpressions}, or a Service's
// plain map) select these labels? An empty selector selects everything.
export function selects(selector, labels) {
  if (!selector) return false;
  const matchLabels = selector.matchLabels ?? (selector.matchExpressions ? {} : selector);
  for (const [k, v] of Object.entries(matchLabels)) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
