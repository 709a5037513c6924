// scaling-policy.mjs - the rules the autoscaling objects of a rendered tree
// keep: every HPA and ScaledObject aims at a Deployment that exists and
// requests CPU; nothing is scaled by two autoscalers; every VPA only
// recommends; every custom metric an HPA names is made by a
// prometheus-adapter rule. Each returns violations naming object and field.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { KUBE_DIR, objectName, podSpecOf } from './kube.mjs';

export const ADAPTER_RULES = path.join(KUBE_DIR, 'components/autoscaling/prometheus-adapter-rules.yaml');

export function adapterRules(file = ADAPTER_RULES) {
  return YAML.parse(readFileSync(file, 'utf8')).rules.custom;
}

// The metric name a rule's seriesQuery selects (the source series).
export function sourceSeries(rule) {
  return rule.seriesQuery.match(/^'?([a-zA-Z_:][a-zA-Z0-9_:]*)/)[1];
}

function targetOf(objects, ref) {
  return objects.find((o) => o.kind === ref?.kind && o.metadata.name === ref?.name);
}

const scaledBy = (o) => (o.kind === 'HorizontalPodAutoscaler' ? o.spec.scaleTargetRef : o.spec.scaleTargetRef);

export function autoscalerRules(objects, rules = adapterRules()) {
  const out = [];
  const scalers = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject');
  const adapterMetrics = new Set(rules.map((r) => r.name.as));
  const seen = new Map();
  for (const s of scalers) {
    const ref = scaledBy(s);
    const at = `${objectName(s)}: spec.scaleTargetRef`;
    const target = targetOf(objects, { kind: ref.kind ?? 'Deployment', name: ref.name });
    if (!target) {
      out.push(`${at}: no ${ref.kind ?? 'Deployment'} ${ref.name}`);
      continue;
    }
    if (seen.has(ref.name)) out.push(`${at}: ${ref.name} is already scaled by ${seen.get(ref.name)}`);
    seen.set(ref.name, objectName(s));
    for (const c of podSpecOf(target).containers) {
      if (c.resources?.requests?.cpu === undefined) out.push(`${at}: ${ref.name}'s container ${c.name} requests no CPU`);
    }
    if (s.kind === 'HorizontalPodAutoscaler') {
      if (!(s.spec.minReplicas >= 1 && s.spec.minReplicas <= s.spec.maxReplicas)) out.push(`${objectName(s)}: spec.minReplicas: must be 1..maxReplicas`);
      if ((target.spec.replicas ?? 1) > s.spec.maxReplicas) out.push(`${objectName(s)}: spec.maxReplicas: below the Deployment's ${target.spec.replicas}`);
      (s.spec.metrics ?? []).forEach((m, i) => {
        const name = m.pods?.metric?.name ?? m.object?.metric?.name;
        if (name && !adapterMetrics.has(name)) out.push(`${objectName(s)}: spec.metrics[${i}]: ${name} is made by no prometheus-adapter rule`);
      });
      if (!s.spec.behavior?.scaleDown) out.push(`${objectName(s)}: spec.behavior.scaleDown: unset`);
    }
  }
  for (const v of objects.filter((o) => o.kind === 'VerticalPodAutoscaler')) {
    const mode = v.spec.updatePolicy?.updateMode;
    if (mode !== 'Off') out.push(`${objectName(v)}: spec.updatePolicy.updateMode: ${mode ?? 'unset (Auto)'}, must be Off`);
    if (!targetOf(objects, v.spec.targetRef)) out.push(`${objectName(v)}: spec.targetRef: no ${v.spec.targetRef.kind} ${v.spec.targetRef.name}`);
  }
  return out;
}
