// The GitOps side (deploy/kubernetes/gitops, .github/workflows/release.yaml):
// the Argo CD objects validate strictly; every Application the
// ApplicationSet makes builds with kustomize, stays inside its project,
// syncs itself and leaves HPA-owned replicas alone; what each deploys
// carries sync waves in the order the shop starts in; and the release
// workflow is valid YAML with the jobs and steps it claims. Each rule is
// shown to catch a broken copy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import YAML from 'yaml';
import { assertCaught } from './lib/caught.mjs';
import { KUBE_DIR, REPO, render } from './lib/kube.mjs';
import { applicationsOf, projectRules, syncPolicyRules, syncWaveRules } from './lib/gitops-policy.mjs';
import { COMMON_RULES } from './lib/policy.mjs';
import { validateObjects } from './lib/schema.mjs';

const argocd = render(path.join(KUBE_DIR, 'gitops/argocd'));
const appset = argocd.find((o) => o.kind === 'ApplicationSet');
const project = argocd.find((o) => o.kind === 'AppProject');
const apps = applicationsOf(appset);
const trees = new Map(apps.map(({ app }) => [app.metadata.name, render(path.join(REPO, app.spec.source.path))]));

function appViolations(app, proj, tree) {
  return [...syncPolicyRules(app, tree), ...projectRules(app, proj, tree)];
}

test('the Argo CD objects validate strictly, and the Applications they make', async () => {
  assert.deepEqual(argocd.map((o) => o.kind).sort(), ['AppProject', 'ApplicationSet']);
  assert.deepEqual(await validateObjects(argocd), []);
  assert.deepEqual(apps.map(({ app }) => app.metadata.name), ['robot-shop-dev', 'robot-shop-production']);
  assert.deepEqual(await validateObjects(apps.map(({ app }) => ({ ...app, metadata: { ...app.metadata, namespace: 'argocd' } }))), []);
});

describe('every Application builds, stays in its project and syncs itself', () => {
  for (const { app } of apps) {
    test(app.metadata.name, async () => {
      const tree = trees.get(app.metadata.name);
      assert.ok(tree.length > 10);
      assert.deepEqual(appViolations(app, project, tree), []);
      assert.deepEqual(syncWaveRules(tree), []);
      assert.deepEqual(Object.values(COMMON_RULES).flatMap((rule) => rule(tree)), []);
      assert.deepEqual(await validateObjects(tree), []);
    });
  }
});

describe('the schema and each rule catch a broken copy', () => {
  const production = apps.find(({ app }) => app.metadata.name === 'robot-shop-production').app;
  const tree = trees.get('robot-shop-production');
  function expectCaught(mutate, pattern) {
    const copy = { app: structuredClone(production), project: structuredClone(project), tree: structuredClone(tree) };
    mutate(copy);
    assertCaught([...appViolations(copy.app, copy.project, copy.tree), ...syncWaveRules(copy.tree)], pattern);
  }
  const find = (objects, kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const setWave = (o, w) => { o.metadata.annotations['argocd.argoproj.io/sync-wave'] = w; };

  test('a misspelt field of the ApplicationSet', async () => {
    const copy = structuredClone(appset);
    copy.spec.template.spec.syncPolicy.automated.selfHeals = true;
    const errors = await validateObjects([copy]);
    assert.ok(errors.some((e) => /^ApplicationSet\/argocd\/robot-shop: spec\.template\.spec\.syncPolicy\.automated\.selfHeals:/.test(e)), errors.join('\n'));
  });

  test('an Application path that does not build', () => {
    const broken = structuredClone(appset);
    broken.spec.template.spec.source.path = 'deploy/kubernetes/gitops/environments/{{.env}}';
    const [{ app }] = applicationsOf(broken);
    assert.throws(() => render(path.join(REPO, app.spec.source.path)), /kubectl kustomize .* failed/);
  });

  test('a sync without pruning or self-healing', () => {
    expectCaught((c) => { c.app.spec.syncPolicy.automated.prune = false; }, /automated\.prune: must be true/);
    expectCaught((c) => { delete c.app.spec.syncPolicy.automated.selfHeal; }, /automated\.selfHeal: must be true/);
  });

  test('HPA-owned replicas not ignored', () => {
    expectCaught((c) => { c.app.spec.ignoreDifferences.shift(); }, /does not ignore \/spec\/replicas of Deployment web, which an HPA scales/);
    expectCaught((c) => { c.app.spec.syncPolicy.syncOptions = []; }, /RespectIgnoreDifferences=true missing/);
  });

  test('an Application outside its project', () => {
    expectCaught((c) => { c.app.spec.source.repoURL = 'https://example.com/other.git'; }, /not a source of AppProject robot-shop/);
    expectCaught((c) => { c.project.spec.namespaceResourceWhitelist.splice(c.project.spec.namespaceResourceWhitelist.findIndex((w) => w.kind === 'ScaledObject'), 1); },
      /ScaledObject\/robot-shop\/dispatch: kind keda\.sh\/ScaledObject not permitted/);
  });

  test('an object with no wave, or out of order', () => {
    expectCaught((c) => { delete find(c.tree, 'Deployment', 'cart').metadata.annotations; }, /^Deployment\/robot-shop\/cart: metadata\.annotations\["argocd\.argoproj\.io\/sync-wave"\]: missing/);
    expectCaught((c) => { setWave(find(c.tree, 'StatefulSet', 'mongodb'), '3'); }, /^Deployment\/robot-shop\/catalogue: sync wave 3 is not after StatefulSet\/robot-shop\/mongodb's 3/);
    expectCaught((c) => { setWave(find(c.tree, 'VirtualService', 'robot-shop'), '3'); }, /^VirtualService\/robot-shop\/robot-shop: sync wave 3 is not after Service\/robot-shop\/web's 3/);
    expectCaught((c) => { setWave(c.tree.find((o) => o.kind === 'Secret'), '2'); }, /sync wave 1 is before Secret\/robot-shop\/\S+'s 2 \(its /);
    expectCaught((c) => { setWave(find(c.tree, 'HorizontalPodAutoscaler', 'cart'), '2'); }, /^HorizontalPodAutoscaler\/robot-shop\/cart: sync wave 2 is not after Deployment\/robot-shop\/cart's 3/);
    expectCaught((c) => { setWave(find(c.tree, 'ConfigMap', c.tree.find((o) => o.kind === 'ConfigMap').metadata.name), '-1'); }, /sync wave -1 is before the namespace's/);
  });
});

describe('the release workflow', () => {
  const file = path.join(REPO, '.github/workflows/release.yaml');
  const doc = YAML.parseDocument(readFileSync(file, 'utf8'));
  const wf = doc.toJS();
  const runs = (job) => wf.jobs[job].steps.map((s) => s.run ?? '').join('\n');

  test('is valid YAML with its triggers and jobs', () => {
    assert.deepEqual(doc.errors, []);
    assert.deepEqual(wf.on.push.branches, ['main']);
    assert.deepEqual(wf.on.workflow_dispatch.inputs.environment.options, ['dev', 'production']);
    assert.deepEqual(Object.keys(wf.jobs), ['images', 'set-images']);
    assert.deepEqual(wf.jobs['set-images'].needs, 'images');
    for (const job of Object.values(wf.jobs)) {
      assert.ok(job['runs-on']);
      for (const step of job.steps) assert.ok(step.name && (step.run || step.uses) && !(step.run && step.uses), JSON.stringify(step));
    }
  });

  test('checks, builds and pushes the images of every service', () => {
    assert.match(runs('images'), /make deploy-check[\s\S]*make images[\s\S]*podman login[\s\S]*podman push/);
    const services = readFileSync(path.join(KUBE_DIR, 'base/kustomization.yaml'), 'utf8').match(/name: robot-shop\/(\w+)/g).map((m) => m.split('/')[1]);
    assert.deepEqual(wf.env.SERVICES.split(' ').sort(), [...services].sort());
    assert.equal(wf.jobs.images.outputs.tag, '${{ steps.tag.outputs.tag }}');
  });

  test('writes the tags into an Application path and pushes them', () => {
    const step = wf.jobs['set-images'].steps.find((s) => /kustomize edit set image/.test(s.run ?? ''));
    assert.ok(step);
    const dir = step['working-directory'].replace('${{ env.ENVIRONMENT }}', '{{.env}}');
    assert.equal(dir, appset.spec.template.spec.source.path);
    assert.match(step.run, /kustomize edit set image "robot-shop\/\$s=\$REGISTRY\/\$s:\$TAG"/);
    assert.match(runs('set-images'), /git commit[\s\S]*git push origin HEAD:main/);
    assert.deepEqual(wf.on.push['paths-ignore'], ['deploy/kubernetes/gitops/envs/**']);
  });
});
