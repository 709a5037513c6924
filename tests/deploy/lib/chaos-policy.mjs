// chaos-policy.mjs - the rules the chaos component keeps, as functions of
// rendered objects (the shop's tree with the component, plus the one-by-one
// experiments of components/chaos/experiments). Each returns violations,
// one string each, naming the object and the field; chaos.test.mjs applies
// them to the rendered trees and to mutated copies that each must catch.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, objectName, podLabelsOf, podSpecOf, selects, workloads } from './kube.mjs';

export const CHAOS_KINDS = new Set(['PodChaos', 'StressChaos', 'NetworkChaos']);
const EMBEDDED = { PodChaos: 'podChaos', StressChaos: 'stressChaos', NetworkChaos: 'networkChaos' };
// The longest any one experiment, or a whole Workflow, may run.
export const MAX_EXPERIMENT_S = 300;
export const MAX_WORKFLOW_S = 900;

// A Go duration ("1m30s", "100ms") in seconds, or NaN.
export function seconds(text) {
  if (typeof text !== 'string' || !/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return NaN;
  const unit = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const [, n, , u] of text.matchAll(/([0-9]+(\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(n) * unit[u];
  return total;
}

// Every experiment, standalone or in a Workflow: {where, kind, spec, duration}.
export function experimentsOf(objects) {
  const out = [];
  for (const o of objects) {
    if (CHAOS_KINDS.has(o.kind)) out.push({ where: objectName(o), namespace: o.metadata?.namespace, kind: o.kind, spec: o.spec, duration: o.spec?.duration });
    if (o.kind !== 'Workflow') continue;
    (o.spec?.templates ?? []).forEach((t, i) => {
      if (!EMBEDDED[t.templateType]) return;
      out.push({ where: `${objectName(o)}: spec.templates[${i}] (${t.name})`, namespace: o.metadata?.namespace, kind: t.templateType, spec: t[EMBEDDED[t.templateType]] ?? {}, duration: t.deadline });
    });
  }
  return out;
}

// Does a Chaos Mesh selector pick pods of at least one rendered workload?
// It must name its namespaces (the experiment's own) and select by labels.
function selectorRules(where, selector, namespace, objects) {
  if (!selector) return [`${where}: no selector`];
  const out = [];
  const namespaces = selector.namespaces ?? [];
  if (namespaces.length !== 1 || namespaces[0] !== namespace) out.push(`${where}: namespaces ${JSON.stringify(namespaces)}: must be exactly [${namespace}], the shop's`);
  const labels = selector.labelSelectors ?? {};
  if (!Object.keys(labels).length) {
    out.push(`${where}: labelSelectors: missing (an empty selector picks every pod)`);
    return out;
  }
  const picked = workloads(objects).filter((w) => namespaces.includes(w.metadata?.namespace) && selects({ matchLabels: labels }, podLabelsOf(w)));
  if (!picked.length) out.push(`${where}: labelSelectors ${JSON.stringify(labels)}: select no pods of any workload in ${namespaces.join(', ') || 'no namespace'}`);
  return out;
}

// Every experiment, and a NetworkChaos's target, selects pods that exist.
export function chaosSelectorRules(objects) {
  const out = [];
  for (const e of experimentsOf(objects)) {
    out.push(...selectorRules(`${e.where}: spec.selector`, e.spec.selector, e.namespace, objects));
    if (e.kind === 'NetworkChaos' && ['delay', 'partition', 'loss', 'netem', 'duplicate', 'corrupt', 'bandwidth'].includes(e.spec.action) && e.spec.target) {
      out.push(...selectorRules(`${e.where}: spec.target.selector`, e.spec.target.selector, e.namespace, objects));
    }
  }
  return out;
}

// Every experiment ends on its own: a duration (a Workflow's templates: a
// deadline) of at most MAX_EXPERIMENT_S; a pod-kill is instantaneous and
// needs none standalone. A Workflow's entry is bounded too.
export function chaosDurationRules(objects) {
  const out = [];
  for (const e of experimentsOf(objects)) {
    const standaloneKill = !e.where.includes('spec.templates') && e.kind === 'PodChaos' && e.spec.action === 'pod-kill';
    if (e.duration === undefined) {
      if (!standaloneKill) out.push(`${e.where}: no duration: the experiment would run until deleted`);
      continue;
    }
    const s = seconds(e.duration);
    if (!(s > 0 && s <= MAX_EXPERIMENT_S)) out.push(`${e.where}: duration ${e.duration}: must be between 0 and ${MAX_EXPERIMENT_S} s`);
  }
  for (const wf of objects.filter((o) => o.kind === 'Workflow')) {
    (wf.spec.templates ?? []).forEach((t, i) => {
      if (t.deadline === undefined) out.push(`${objectName(wf)}: spec.templates[${i}] (${t.name}): no deadline`);
    });
    const entry = (wf.spec.templates ?? []).find((t) => t.name === wf.spec.entry);
    const s = seconds(entry?.deadline);
    if (!(s > 0 && s <= MAX_WORKFLOW_S)) out.push(`${objectName(wf)}: entry ${wf.spec.entry}: deadline ${entry?.deadline}: must be between 0 and ${MAX_WORKFLOW_S} s`);
  }
  return out;
}

// A Workflow runs its experiments one after the other: its entry is a
// Serial template whose children are the given experiments, in that order
// (Suspend templates between them allowed), each a template that exists,
// with a deadline of its own summing to no more than the entry's; no
// experiment in a Parallel; and each embedded spec is the standalone
// experiment of the same name (its duration aside).
export function workflowOrderRules(objects, order, standalone = []) {
  const out = [];
  for (const wf of objects.filter((o) => o.kind === 'Workflow')) {
    const where = objectName(wf);
    const templates = new Map((wf.spec.templates ?? []).map((t) => [t.name, t]));
    const entry = templates.get(wf.spec.entry);
    if (!entry) {
      out.push(`${where}: spec.entry ${wf.spec.entry}: no such template`);
      continue;
    }
    if (entry.templateType !== 'Serial') out.push(`${where}: entry ${entry.name}: templateType ${entry.templateType}, not Serial`);
    const children = entry.children ?? [];
    for (const c of children) if (!templates.has(c)) out.push(`${where}: entry ${entry.name}: child ${c}: no such template`);
    const experiments = children.filter((c) => EMBEDDED[templates.get(c)?.templateType]);
    if (JSON.stringify(experiments) !== JSON.stringify(order)) out.push(`${where}: entry ${entry.name}: runs ${experiments.join(' → ')}, not ${order.join(' → ')}`);
    const others = children.filter((c) => templates.has(c) && !experiments.includes(c));
    for (const c of others) if (templates.get(c).templateType !== 'Suspend') out.push(`${where}: entry ${entry.name}: child ${c} is a ${templates.get(c).templateType}; between experiments only Suspend`);
    const sum = children.reduce((acc, c) => acc + (seconds(templates.get(c)?.deadline) || 0), 0);
    if (sum > seconds(entry.deadline)) out.push(`${where}: entry ${entry.name}: deadline ${entry.deadline} is shorter than its children's ${sum} s: the last would be cut off`);
    for (const t of templates.values()) {
      if (t.templateType === 'Parallel' && (t.children ?? []).some((c) => EMBEDDED[templates.get(c)?.templateType])) out.push(`${where}: template ${t.name}: runs experiments in parallel`);
    }
    for (const s of standalone) {
      const t = templates.get(s.metadata.name);
      if (!t) continue;
      const { duration, ...spec } = s.spec;
      if (t.templateType !== s.kind || JSON.stringify(t[EMBEDDED[s.kind]]) !== JSON.stringify(spec)) {
        out.push(`${where}: template ${t.name}: differs from ${objectName(s)}`);
      }
    }
  }
  return out;
}

// The k6 Jobs (component load-test) run a script of deploy/k6 from the
// k6-scripts ConfigMap, which holds every deploy/k6/*.js as it is on disk;
// they are not retried (the first failed threshold is the verdict) and are
// bounded in time.
export function loadTestRules(objects, k6Dir = path.join(REPO, 'deploy/k6')) {
  const out = [];
  const scripts = readdirSync(k6Dir).filter((f) => f.endsWith('.js'));
  for (const job of objects.filter((o) => o.kind === 'Job' && podLabelsOf(o)['app.kubernetes.io/component'] === 'load-test')) {
    const where = objectName(job);
    const spec = podSpecOf(job);
    if (job.spec.backoffLimit !== 0) out.push(`${where}: spec.backoffLimit: ${job.spec.backoffLimit ?? 'unset (6)'}; must be 0, a failed run is the verdict`);
    if (!(job.spec.activeDeadlineSeconds > 0)) out.push(`${where}: spec.activeDeadlineSeconds: unset; the run must be bounded`);
    const c = spec.containers[0];
    const script = (c.args ?? []).find((a) => a.endsWith('.js'));
    const mount = (c.volumeMounts ?? []).find((m) => script?.startsWith(`${m.mountPath}/`));
    const volume = (spec.volumes ?? []).find((v) => v.name === mount?.name);
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume?.configMap?.name);
    if (!script || !map) {
      out.push(`${where}: container ${c.name}: runs no script from a ConfigMap (args ${JSON.stringify(c.args)})`);
      continue;
    }
    if (!Object.hasOwn(map.data ?? {}, path.basename(script))) out.push(`${where}: container ${c.name}: script ${script}: not in ConfigMap ${map.metadata.name}`);
    for (const f of scripts) {
      if (map.data?.[f] !== readFileSync(path.join(k6Dir, f), 'utf8')) out.push(`${objectName(map)}: data.${f}: not deploy/k6/${f} as it is on disk`);
    }
  }
  return out;
}
