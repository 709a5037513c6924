// schema.mjs - strict schema validation of rendered Kubernetes objects.
//
// Each object is checked twice against the published models of its kind:
// - values: the model's own validate() (types, enums, required fields), the
//   OpenAPI schemas of Kubernetes and of each CRD compiled by
//   kubernetes-models;
// - fields: those schemas accept unknown fields, so every object is also
//   written out as a TypeScript literal of the model's interface and type-
//   checked: a misspelt or misplaced field (`averageUtilisation`, `hostt`) is
//   an excess property there.
// A kind with no model fails, unless tests/deploy/schemas/ holds a JSON
// Schema for it (written from the CRD's published fields, closed with
// additionalProperties: false), which ajv then applies instead.
// Every error names the object, the field's path and what is wrong.
import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO, objectName } from './kube.mjs';

// The model packages, searched in this order for an apiVersion's group.
const MODEL_PACKAGES = [
  'kubernetes-models',
  '@kubernetes-models/istio',
  '@kubernetes-models/prometheus-operator',
  '@kubernetes-models/keda',
  '@kubernetes-models/argo-cd',
  '@kubernetes-models/argo-rollouts',
  '@kubernetes-models/gateway-api',
  '@kubernetes-models/karpenter',
];
const LOCAL_SCHEMAS = path.join(REPO, 'tests/deploy/schemas');

// Where the model of obj's kind lives: {module, iface} or null.
function modelOf(obj) {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return null;
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : [null, obj.apiVersion];
  const subdir = group ? `${group}/${version}` : version;
  for (const pkg of MODEL_PACKAGES) {
    const file = path.join(REPO, 'node_modules', pkg, subdir, `${obj.kind}.js`);
    if (existsSync(file)) return { module: `${pkg}/${subdir}/${obj.kind}`, iface: `I${obj.kind}` };
  }
  return null;
}

function localSchemaFile(obj) {
  return path.join(LOCAL_SCHEMAS, String(obj.apiVersion).replace('/', '_'), `${obj.kind}.json`);
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const localValidators = new Map();

function localValidator(obj) {
  const file = localSchemaFile(obj);
  if (!existsSync(file)) return null;
  if (!localValidators.has(file)) localValidators.set(file, ajv.compile(JSON.parse(readFileSync(file, 'utf8'))));
  return localValidators.get(file);
}

function pointerToPath(pointer) {
  return pointer.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
}

function ajvErrors(obj, errors) {
  return errors.map((e) => {
    let where = pointerToPath(e.instancePath) || '(top)';
    if (e.keyword === 'additionalProperties') where += `${where === '(top)' ? '' : '.'}${e.params.additionalProperty}`;
    return `${objectName(obj)}: ${where}: ${e.message}`;
  });
}

async function valueErrors(obj, model) {
  const mod = await import(model.module);
  const Model = mod[obj.kind];
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    if (Array.isArray(err.errors)) return ajvErrors(obj, err.errors);
    return [`${objectName(obj)}: ${err.message}`];
  }
}

// Writes value as a TypeScript literal, one field per line, recording the
// field path each line holds so that a diagnostic maps back to the field.
function writeLiteral(value, fieldPath, indent, out) {
  const pad = '  '.repeat(indent);
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, v] of entries) {
    const here = Array.isArray(value) ? `${fieldPath}[${key}]` : (fieldPath ? `${fieldPath}.${key}` : String(key));
    const label = Array.isArray(value) ? '' : `${JSON.stringify(key)}: `;
    if (v !== null && typeof v === 'object') {
      const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
      out.push({ text: `${pad}${label}${open}`, field: here });
      writeLiteral(v, here, indent + 1, out);
      out.push({ text: `${pad}${close},`, field: here });
    } else {
      out.push({ text: `${pad}${label}${JSON.stringify(v)},`, field: here });
    }
  }
}

// Type-checks every object that has a model against its interface, all in
// one TypeScript program. Returns one message per diagnostic.
function fieldErrors(checked) {
  if (!checked.length) return [];
  const lines = [];
  checked.forEach(({ obj, model }, i) => {
    lines.push({ text: `import type { ${model.iface} as T${i} } from ${JSON.stringify(model.module)};` });
  });
  checked.forEach(({ obj }, i) => {
    lines.push({ text: `export const o${i}: T${i} = {`, object: i });
    const body = [];
    writeLiteral(obj, '', 1, body);
    for (const l of body) lines.push({ ...l, object: i });
    lines.push({ text: '};', object: i });
  });
  const fileName = path.join(REPO, 'tests/deploy/.rendered-objects.ts');
  const source = lines.map((l) => l.text).join('\n');
  const options = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) =>
    (name === fileName ? ts.createSourceFile(name, source, lang) : getSourceFile.call(host, name, lang, ...rest));
  host.fileExists = (name) => name === fileName || fileExists.call(host, name);
  host.readFile = (name) => (name === fileName ? source : readFile.call(host, name));
  const program = ts.createProgram([fileName], options, host);
  const sourceFile = program.getSourceFile(fileName);
  const messages = [];
  for (const d of ts.getPreEmitDiagnostics(program, sourceFile)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.file !== sourceFile || d.start === undefined) {
      messages.push(`type check: ${text}`);
      continue;
    }
    const { line } = sourceFile.getLineAndCharacterOfPosition(d.start);
    const at = lines[line];
    const obj = at.object !== undefined ? checked[at.object].obj : null;
    messages.push(`${obj ? objectName(obj) : 'type check'}: ${at.field ?? '(top)'}: ${text}`);
  }
  return messages;
}

// Validates a list of objects; returns every error found (empty when all
// are valid).
export async function validateObjects(objects) {
  const errors = [];
  const checked = [];
  for (const obj of objects) {
    const model = modelOf(obj);
    if (model) {
      errors.push(...await valueErrors(obj, model));
      checked.push({ obj, model });
      continue;
    }
    const validate = localValidator(obj);
    if (validate) {
      if (!validate(obj)) errors.push(...ajvErrors(obj, validate.errors));
      continue;
    }
    errors.push(`${objectName(obj)}: no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
  }
  errors.push(...fieldErrors(checked));
  return errors;
}
