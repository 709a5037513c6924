// compare.mjs - compares what Kustomize and the Helm chart render, object
// by object and field by field, after the normalisations below, each of
// which undoes one way the two tools name or label the same thing
// differently. Nothing else is normalised: lists keep their order (env
// entries expand $(VAR) in order), numbers and strings their types.
//
// 1. Kustomize's generated ConfigMaps and Secrets carry a content-hash
//    suffix (shop-common-6hbmm9b72g), rewritten into every reference; the
//    chart names them plainly. The suffix is dropped from those names and
//    from every string equal to one of them.
// 2. The chart's pod templates carry checksum/* annotations of its
//    settings and credentials, which roll the pods when these change: what
//    the hash suffix does for Kustomize. They are dropped.
// 3. The chart labels every object's metadata with Helm's
//    app.kubernetes.io/managed-by and helm.sh/chart; they are dropped.
// 4. The chart labels every object's metadata app.kubernetes.io/part-of:
//    robot-shop; Kustomize's base labels only its own objects (not the
//    overlays' budgets and volume claim, nor the components' policies).
//    The label is dropped from both sides once every chart object is
//    checked to carry it.
// Not a normalisation but an addition: a release installed with
// credentials.<store>.existingSecret (values-production.yaml) expects the
// Secrets made beside it, from the same files the production overlay
// reads; the tests add them, as made by `kubectl create secret generic
// --from-env-file`, and compare them with Kustomize's like any object.
import { isDeepStrictEqual } from 'node:util';
import { objectName } from './kube.mjs';

// Kustomize's hash suffix: ten characters of its alphabet.
const HASH_SUFFIX = /-[245-9bcdfghkmt]{10}$/;
const CHART_ONLY_LABELS = ['app.kubernetes.io/managed-by', 'helm.sh/chart'];
const PART_OF = 'app.kubernetes.io/part-of';

function replaceStrings(value, names) {
  if (typeof value === 'string') return names.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, names));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceStrings(v, names)]));
  }
  return value;
}

function dropLabels(obj, keys) {
  const labels = obj.metadata?.labels;
  if (!labels) return;
  for (const k of keys) delete labels[k];
  if (!Object.keys(labels).length) delete obj.metadata.labels;
}

// Normalisation 1 and 4, Kustomize's side.
export function normaliseKustomize(objects) {
  const names = new Map();
  for (const o of objects) {
    if ((o.kind === 'ConfigMap' || o.kind === 'Secret') && HASH_SUFFIX.test(o.metadata.name)) {
      names.set(o.metadata.name, o.metadata.name.replace(HASH_SUFFIX, ''));
    }
  }
  return objects.map((o) => {
    const copy = replaceStrings(o, names);
    dropLabels(copy, [PART_OF]);
    return copy;
  });
}

// Normalisations 2, 3 and 4, the chart's side; returns the objects and a
// list of chart objects missing the part-of label.
export function normaliseChart(objects) {
  const unlabelled = [];
  const out = objects.map((o) => {
    const copy = structuredClone(o);
    if (copy.metadata?.labels?.[PART_OF] !== 'robot-shop') unlabelled.push(`${objectName(o)}: metadata.labels: no ${PART_OF}: robot-shop`);
    dropLabels(copy, [...CHART_ONLY_LABELS, PART_OF]);
    const template = copy.spec?.template?.metadata;
    if (template?.annotations) {
      for (const k of Object.keys(template.annotations)) if (k.startsWith('checksum/')) delete template.annotations[k];
      if (!Object.keys(template.annotations).length) delete template.annotations;
    }
    return copy;
  });
  return { objects: out, unlabelled };
}

// The paths at which a and b differ, as "path: kustomize X, chart Y".
function differences(a, b, at, out) {
  if (isDeepStrictEqual(a, b)) return out;
  const bothObjects = a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects || (Array.isArray(a) && a.length !== b.length)) {
    out.push(`${at || '(top)'}: kustomize ${JSON.stringify(a)}, chart ${JSON.stringify(b)}`);
    return out;
  }
  const keys = Array.isArray(a) ? a.map((_, i) => i) : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) {
    const here = Array.isArray(a) ? `${at}[${k}]` : (at ? `${at}.${k}` : k);
    differences(a[k], b[k], here, out);
  }
  return out;
}

// Every difference between the two renders, one line each, naming the
// object and the field; empty when they are the same shop. outside: the
// objects a release of the chart expects to be made beside it (the
// operator's Secrets), compared with Kustomize's as they are.
export function compareRenders(kustomizeObjects, chartObjects, outside = []) {
  const kustomize = normaliseKustomize(kustomizeObjects);
  const normalised = normaliseChart(chartObjects);
  const unlabelled = normalised.unlabelled;
  const chart = [...normalised.objects, ...outside];
  const out = [...unlabelled];
  const byName = (list) => new Map(list.map((o) => [objectName(o), o]));
  const k = byName(kustomize);
  const c = byName(chart);
  for (const [name, obj] of k) {
    if (!c.has(name)) out.push(`${name}: rendered by Kustomize, not by the chart`);
    else for (const d of differences(obj, c.get(name), '', [])) out.push(`${name}: ${d}`);
  }
  for (const name of c.keys()) if (!k.has(name)) out.push(`${name}: rendered by the chart, not by Kustomize`);
  if (chart.length !== c.size) out.push(`the chart renders ${chart.length - c.size} object(s) twice`);
  return out;
}
