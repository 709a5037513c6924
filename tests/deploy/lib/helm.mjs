// helm.mjs - renders deploy/helm/robot-shop as `helm template` would, with
// the project's own renderer (tools/helm-template, built by make into
// build/tools/), after checking the coalesced values against the chart's
// values.schema.json with ajv, as Helm checks them before rendering.
import Ajv from 'ajv';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, parseObjects } from './kube.mjs';

export const CHART_DIR = path.join(REPO, 'deploy/helm/robot-shop');
export const RENDERER = path.join(REPO, 'build/tools/helm-template');
export const NAMESPACE = 'robot-shop';

let built = false;

// Builds the renderer once per process; make rebuilds it only when a
// source changed.
export function buildRenderer() {
  if (built) return;
  const result = spawnSync('make', ['--no-print-directory', '-s', 'build/tools/helm-template'], { cwd: REPO, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the chart renderer failed:\n${result.stdout}${result.stderr}`);
  built = true;
}

function runRenderer(args) {
  buildRenderer();
  const result = spawnSync(RENDERER, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) throw new Error(`${RENDERER}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`helm-template ${args.join(' ')}:\n${result.stderr.trim()}`);
  return result.stdout;
}

function valueArgs(valueFiles, chartDir) {
  return [...valueFiles.flatMap((f) => ['-f', f]), '--namespace', NAMESPACE, '--release-name', 'robot-shop', chartDir];
}

// The values a render sees: the chart's defaults with each file laid over
// them in turn (Helm's coalescing, done by the renderer).
export function coalescedValues(valueFiles = [], chartDir = CHART_DIR) {
  return JSON.parse(runRenderer(['--show-values', ...valueArgs(valueFiles, chartDir)]));
}

const validators = new Map();

// Checks values against the chart's values.schema.json; returns one
// message per error, naming the value's path ("services.web.replicas").
export function schemaErrors(values, chartDir = CHART_DIR) {
  if (!validators.has(chartDir)) {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    validators.set(chartDir, ajv.compile(JSON.parse(readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8'))));
  }
  const validate = validators.get(chartDir);
  if (validate(values)) return [];
  return validate.errors.map((e) => {
    const at = e.instancePath.split('/').filter(Boolean).join('.');
    const key = e.keyword === 'additionalProperties' ? `${at ? `${at}.` : ''}${e.params.additionalProperty}` : at;
    const detail = e.keyword === 'additionalProperties' ? 'unknown key' : e.message;
    const allowed = e.keyword === 'enum' ? ` (${e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : '';
    return `values.schema.json: ${key || '(top)'}: ${detail}${allowed}`;
  });
}

// Renders the chart with these values files: the text helm template would
// print. Throws with every schema error when the values are refused.
export function renderChartText(valueFiles = [], chartDir = CHART_DIR) {
  const errors = schemaErrors(coalescedValues(valueFiles, chartDir), chartDir);
  if (errors.length) throw new Error(`values do not match the chart's schema:\n${errors.join('\n')}`);
  return runRenderer(valueArgs(valueFiles, chartDir));
}

export function renderChart(valueFiles = [], chartDir = CHART_DIR) {
  return parseObjects(renderChartText(valueFiles, chartDir));
}

export function renderNotes(valueFiles = [], chartDir = CHART_DIR) {
  return runRenderer(['--notes', ...valueArgs(valueFiles, chartDir)]);
}

// -- production credentials ---------------------------------------------------

const CREDENTIALS_DIR = path.join(REPO, 'deploy/kubernetes/overlays/production/credentials');
export const STORES = ['mongodb', 'redis', 'mysql', 'rabbitmq'];

// The production credentials scripts/production-credentials made, by
// datastore: {redis: {password: …}, …}, read as Kustomize reads env files.
export function productionCredentials(dir = CREDENTIALS_DIR) {
  return Object.fromEntries(STORES.map((store) => {
    const data = {};
    for (const line of readFileSync(path.join(dir, `${store}.env`), 'utf8').split('\n')) {
      if (!line.trim() || line.startsWith('#')) continue;
      const at = line.indexOf('=');
      data[line.slice(0, at)] = line.slice(at + 1);
    }
    return [store, data];
  }));
}

// The Secrets an operator makes from those files before installing with
// values-production.yaml (credentials.<store>.existingSecret), as
// `kubectl -n robot-shop create secret generic <store>-credentials
// --from-env-file=<store>.env` makes them.
export function operatorSecrets(credentials = productionCredentials()) {
  return Object.entries(credentials).map(([store, data]) => ({
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name: `${store}-credentials`, namespace: NAMESPACE },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  }));
}

// A values file giving those credentials inline instead (the other way
// the chart takes them), written to dir; returns its path.
export function inlineCredentialsValues(dir, credentials = productionCredentials()) {
  const file = path.join(dir, 'credentials-values.yaml');
  const values = { credentials: Object.fromEntries(Object.entries(credentials).map(([s, data]) => [s, { existingSecret: '', data }])) };
  writeFileSync(file, JSON.stringify(values, null, 2), { mode: 0o600 });
  return file;
}
