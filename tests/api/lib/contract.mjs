// contract.mjs - the API description (docs/openapi.yaml and docs/openapi/*.yaml)
// as a checker of answers: finds the route a request took from the spec's
// path templates, and validates the answer's status, headers and body
// against what the spec says for that route and status (ajv's JSON Schema
// 2020-12 build, the dialect of OpenAPI 3.1). An answer the spec does not
// describe is an error, so the spec cannot drift from the code unseen.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SPEC_DIR = path.join(ROOT, 'docs');
export const GATEWAY_SPEC = path.join(SPEC_DIR, 'openapi.yaml');
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// The services behind the gateway (/api/<name>/...).
export const UPSTREAMS = ['catalogue', 'user', 'cart', 'shipping', 'ratings', 'payment'];

export function serviceSpecFile(service) {
  return path.join(SPEC_DIR, 'openapi', `${service}.yaml`);
}

export function specFiles() {
  const dir = path.join(SPEC_DIR, 'openapi');
  return [GATEWAY_SPEC, ...readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .map((f) => path.join(dir, f))];
}

// An RFC 6901 pointer token, as it is written in a URI fragment.
export function pointerToken(s) {
  return encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));
}

function decodePointer(fragment) {
  if (fragment === '' || fragment === '/') return [];
  return fragment.slice(1).split('/')
    .map((t) => decodeURIComponent(t).replace(/~1/g, '/').replace(/~0/g, '~'));
}

// Every document, parsed, by file URL; and an ajv that knows them all.
class Contract {
  constructor(files) {
    this.docs = new Map();
    this.ajv = new Ajv2020({ allErrors: true, strict: true, validateSchema: false });
    // A document's top level, seen as a schema when a reference points into
    // it: its OpenAPI fields mean nothing to JSON Schema. The schemas in it
    // are compiled (strictly) only where a reference leads.
    this.ajv.addVocabulary(['openapi', 'info', 'servers', 'paths', 'components', 'tags',
      'webhooks', 'security', 'externalDocs', 'jsonSchemaDialect', 'x-refusals']);
    for (const f of files) {
      const url = pathToFileURL(f).href;
      const doc = YAML.parse(readFileSync(f, 'utf8'));
      this.docs.set(url, doc);
      this.ajv.addSchema(doc, url);
    }
    this.validators = new Map();
    this.tables = new Map();
  }

  // {url, pointer, value} of a reference relative to the document at base.
  deref(base, ref) {
    const target = new URL(ref, base);
    const url = target.href.replace(/#.*$/, '');
    const doc = this.docs.get(url);
    if (doc === undefined) throw new Error(`reference to an unknown document: ${ref} (from ${base})`);
    const fragment = target.hash.replace(/^#/, '');
    let value = doc;
    for (const token of decodePointer(fragment)) {
      if (value === null || typeof value !== 'object' || !(token in value))
        throw new Error(`dangling reference ${ref} (from ${base})`);
      value = value[token];
    }
    return { url, pointer: fragment, value };
  }

  // Follows $ref until an object without one: {url, pointer, value}.
  follow(url, pointer, value) {
    let at = { url, pointer, value };
    for (let hops = 0; at.value && typeof at.value === 'object' && '$ref' in at.value; hops++) {
      if (hops > 10) throw new Error(`reference loop at ${url}#${pointer}`);
      at = this.deref(at.url, at.value.$ref);
    }
    return at;
  }

  validator(url, pointer) {
    const key = `${url}#${pointer}`;
    let v = this.validators.get(key);
    if (v === undefined) {
      v = this.ajv.compile({ $ref: key });
      this.validators.set(key, v);
    }
    return v;
  }

  // The routes of one document: [{template, regex, names, item: {url, pointer, value}}],
  // the most specific first (more literal segments, then no rest-of-path).
  routes(file) {
    let table = this.tables.get(file);
    if (table !== undefined) return table;
    const url = pathToFileURL(file).href;
    const doc = this.docs.get(url);
    table = Object.entries(doc.paths ?? {}).map(([template, raw]) => {
      const item = this.follow(url, `/paths/${pointerToken(template)}`, raw);
      const rest = item.value['x-rest-of-path'] ??
        METHODS.map((m) => item.value[m]?.['x-rest-of-path']).find((r) => r !== undefined);
      const names = [];
      const parts = template.split('/').slice(1).map((seg) => {
        const m = /^\{(.+)\}$/.exec(seg);
        if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1]);
        return m[1] === rest ? '(.*)' : '([^/]+)';
      });
      const literal = template.split('/').filter((s) => s !== '' && !s.startsWith('{')).length;
      return { template, regex: new RegExp(`^/${parts.join('/')}$`), names, item, rest, literal };
    }).sort((a, b) => (b.literal - a.literal) || (a.rest ? 1 : 0) - (b.rest ? 1 : 0));
    this.tables.set(file, table);
    return table;
  }

  match(file, rawPath) {
    for (const route of this.routes(file)) {
      const m = route.regex.exec(rawPath);
      if (!m) continue;
      const params = {};
      route.names.forEach((n, i) => { params[n] = m[i + 1]; });
      return { route, params };
    }
    return null;
  }
}

let contract = null;
export function loadContract() {
  if (contract === null) contract = new Contract(specFiles());
  return contract;
}

function mediaMatches(range, type) {
  if (range === '*/*') return true;
  if (range.endsWith('/*')) return type.startsWith(range.slice(0, -1));
  return range === type;
}

function problem(what, req, res, detail) {
  return new Error(`API contract: ${req.method} ${req.path} -> ${res.status}: ${what}` +
                   (detail ? `\n${detail}` : ''));
}

// The declared parameters of an operation (path item's, then the operation's).
function parameters(c, item, op) {
  const list = [];
  for (const [owner, raw] of [[item, item.value.parameters], [op, op.value.parameters]]) {
    (raw ?? []).forEach((p, i) => {
      const base = `${owner.pointer}/parameters/${i}`;
      list.push(c.follow(owner.url, base, p));
    });
  }
  return list;
}

// Checks the answer against one operation; returns an Error or null.
function checkOperation(c, item, method, req, res, params, head) {
  const opRaw = item.value[method];
  const op = c.follow(item.url, `${item.pointer}/${method}`, opRaw);
  // A path parameter the spec refuses must have been refused by the service.
  let paramRefused = null;
  for (const p of parameters(c, item, op)) {
    if (p.value.in !== 'path' || !(p.value.name in params)) continue;
    let value;
    try {
      value = decodeURIComponent(params[p.value.name]);
    } catch {
      paramRefused = p.value.name;
      continue;
    }
    const v = c.validator(p.url, `${p.pointer}/schema`);
    if (!v(value)) paramRefused = p.value.name;
  }
  if (paramRefused !== null && res.status !== 400)
    return problem(`parameter ${paramRefused}="${params[paramRefused]}" breaks the spec's schema, ` +
                   'yet it was not refused with 400', req, res);
  // A JSON body the spec refuses must have been refused with a 4xx.
  const sentBody = op.value.requestBody &&
    c.follow(op.url, `${op.pointer}/requestBody`, op.value.requestBody);
  const bodySchema = sentBody?.value.content?.['application/json']?.schema;
  if (bodySchema !== undefined && typeof req.body === 'string' && (res.status < 400 || res.status > 499)) {
    let parsed, fits = true;
    try {
      parsed = JSON.parse(req.body);
    } catch {
      fits = false;
    }
    const v = c.validator(sentBody.url, `${sentBody.pointer}/content/${pointerToken('application/json')}/schema`);
    if (fits && !v(parsed)) fits = false;
    if (!fits)
      return problem('the request body breaks the spec\'s schema, yet it was not refused with a 4xx',
                     req, res, `${v.errors ? c.ajv.errorsText(v.errors) : 'not JSON'}\nbody: ${req.body.slice(0, 200)}`);
  }
  const responses = op.value.responses ?? {};
  const key = String(res.status);
  if (!(key in responses)) return null;   // the caller decides (refusals, gateway)
  const r = c.follow(op.url, `${op.pointer}/responses/${key}`, responses[key]);
  for (const [name, raw] of Object.entries(r.value.headers ?? {})) {
    const h = c.follow(r.url, `${r.pointer}/headers/${pointerToken(name)}`, raw);
    if (h.value.required && res.headers.get(name) === null)
      return problem(`the header ${name} is missing`, req, res);
  }
  const content = r.value.content;
  const hasBody = res.text !== '' && !head;
  if (content === undefined) {
    return hasBody ? problem('the spec gives this answer no body, yet it has one', req, res,
                             res.text.slice(0, 200)) : false;
  }
  if (head) return false;
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const range = Object.keys(content).find((m) => mediaMatches(m, type));
  if (range === undefined)
    return problem(`content type "${type}" is not one of ${Object.keys(content).join(', ')}`, req, res);
  if (content[range].schema === undefined) return false;
  let body = res.text;
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      body = JSON.parse(res.text);
    } catch {
      return problem('the body is not JSON', req, res, res.text.slice(0, 200));
    }
  }
  const v = c.validator(r.url, `${r.pointer}/content/${pointerToken(range)}/schema`);
  if (!v(body))
    return problem('the body breaks the spec\'s schema', req, res,
      `${c.ajv.errorsText(v.errors)}\nbody: ${res.text.slice(0, 300)}`);
  return false;
}

function isError(res) {
  try {
    const b = JSON.parse(res.text);
    return b !== null && typeof b === 'object' && typeof b.error === 'string' &&
      Object.keys(b).length === 1;
  } catch {
    return false;
  }
}

// Whether a setting of env is on, as the runtime reads booleans.
export function settingOn(env, name) {
  return ['1', 'true', 'yes', 'on'].includes(String(env?.[name] ?? '').toLowerCase());
}

// Whether the service serves the path item at all with this environment:
// routes marked x-only-with exist only when that setting is on.
export function servedWith(item, env) {
  return METHODS.every((m) => !item[m]?.['x-only-with'] || settingOn(env, item[m]['x-only-with']));
}

// Checks one answer of `file`'s service, run with `env`; throws when the
// spec does not describe it. req: {method, path (raw, with query)};
// res: {status, headers, text}.
export function checkAnswer(file, req, res, env = {}) {
  const c = loadContract();
  const rawPath = req.path.split('?')[0];
  let method = req.method.toLowerCase();
  const refusals = c.docs.get(pathToFileURL(serviceSpecFile('common')).href)['x-refusals'].statuses;
  // Refused before any route saw it.
  if (refusals.includes(String(res.status)) && isError(res)) return;
  let found = c.match(file, rawPath);
  if (found !== null && !servedWith(found.route.item.value, env)) found = null;
  if (found === null) {
    if ((res.status === 404 || res.status === 400) && isError(res))
      return;
    throw problem('no route of the spec has this path, and the answer is not a 404 or 400 error',
                  req, res, res.text.slice(0, 200));
  }
  const { route, params } = found;
  if (method === 'options' && !route.item.value.options) {
    if (res.status === 204 || (res.status === 405 && isError(res))) return;
    throw problem('an OPTIONS preflight must be 204', req, res);
  }
  const head = method === 'head' && !route.item.value.head;
  if (head) method = 'get';
  if (!route.item.value[method]) {
    if (res.status === 405 && isError(res) && res.headers.get('allow') !== null) return;
    throw problem(`the spec's ${route.template} has no ${method.toUpperCase()}, so it must be a 405 ` +
                  'error with Allow', req, res);
  }
  const verdict = checkOperation(c, route.item, method, req, res, params, head);
  if (verdict instanceof Error) throw verdict;
  if (verdict === false) return;
  throw problem(`the spec's ${method.toUpperCase()} ${route.template} has no answer ${res.status}`,
                req, res, res.text.slice(0, 200));
}

// Checks an answer of the gateway. Through /api/<service>/, an answer of a
// real service must fit the combined view's route, or be
// one of the gateway's own answers; with a stand-in upstream (a test's
// echo server), only the gateway's own answers are checked. upstreamEnv
// gives the environment of the service behind an upstream, null for a
// stand-in.
export function checkGatewayAnswer(req, res, upstreamEnv) {
  const c = loadContract();
  const rawPath = req.path.split('?')[0];
  const m = /^\/api\/([^/]+)(\/.*)?$/.exec(rawPath);
  if (m === null) {
    checkAnswer(serviceSpecFile('web'), req, res);
    return;
  }
  const gatewayOwn = (() => {
    try {
      checkAnswer(serviceSpecFile('web'), req, res);
      return null;
    } catch (e) {
      return e;
    }
  })();
  const env = UPSTREAMS.includes(m[1]) ? upstreamEnv(m[1]) : null;
  if (env === null) {
    if (gatewayOwn !== null && [502, 504].includes(res.status)) throw gatewayOwn;
    return;
  }
  const found = c.match(GATEWAY_SPEC, rawPath);
  if (found !== null && !found.route.template.startsWith('/api/{')) {
    try {
      checkAnswer(GATEWAY_SPEC, req, res, env);
      return;
    } catch (e) {
      if (gatewayOwn === null) return;
      throw e;
    }
  }
  // Not a public route of that service: an internal one (404 here), or none.
  if (gatewayOwn !== null) throw gatewayOwn;
}
