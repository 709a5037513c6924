// contract.test.mjs - the API description (docs/openapi.yaml, docs/openapi/*.yaml)
// against the code: each file is valid OpenAPI 3.1 and its references
// resolve; each service's route table, as its binary prints it (--routes),
// is exactly the paths of its spec; the gateway's combined view lists
// exactly the public routes of the services behind it, and the routes
// marked x-internal are exactly the ones the gateway refuses; answers
// through the gateway fit the spec; and the checker that every API test
// runs (lib/contract.mjs) fails on a drifted answer, a request body the
// spec refuses that was taken, or a drifted spec.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import YAML from 'yaml';
import {
  GATEWAY_SPEC, METHODS, UPSTREAMS, checkAnswer, loadContract, pointerToken, servedWith,
  serviceSpecFile, specFiles,
} from './lib/contract.mjs';
import { binary, call, freePort, removeDir, startService, tempDir } from './lib/service.mjs';

const SERVICES = [...UPSTREAMS, 'dispatch', 'web'];
const HTTP_METHODS = METHODS.filter((m) => !['options', 'head', 'trace'].includes(m));

// The route table a binary serves with env: ["GET /product/:sku", ...].
function servedRoutes(service, env = {}) {
  const out = execFileSync(binary(service), ['--routes'], {
    env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 10000,
  });
  return JSON.parse(out).map((r) => `${r.method} ${r.pattern}`).sort();
}

// A spec template as a route pattern: {name} is :name, the rest-of-path
// parameter (x-rest-of-path) is *.
function pattern(template, rest) {
  return template.split('/').map((seg) => {
    const m = /^\{(.+)\}$/.exec(seg);
    if (!m) return seg;
    return m[1] === rest ? '*' : `:${m[1]}`;
  }).join('/');
}

// The routes a spec document describes for a service run with env.
function describedRoutes(doc, url, env = {}) {
  const c = loadContract();
  const list = [];
  for (const [template, raw] of Object.entries(doc.paths)) {
    const item = c.follow(url, `/paths/${pointerToken(template)}`, raw).value;
    if (!servedWith(item, env)) continue;
    const rest = item['x-rest-of-path'] ??
      HTTP_METHODS.map((m) => item[m]?.['x-rest-of-path']).find((r) => r !== undefined);
    for (const m of HTTP_METHODS)
      if (item[m]) list.push(`${m.toUpperCase()} ${pattern(template, rest)}`);
  }
  return list.sort();
}

function specOf(service) {
  const file = serviceSpecFile(service);
  return { doc: YAML.parse(readFileSync(file, 'utf8')), url: pathToFileURL(file).href };
}

// What differs between what a binary serves and what its spec says.
function drift(served, described) {
  return {
    undocumented: served.filter((r) => !described.includes(r)),
    unserved: described.filter((r) => !served.includes(r)),
  };
}

describe('the API description', () => {
  test('every file is valid OpenAPI 3.1, and the combined view resolves', async () => {
    const files = specFiles();
    assert.ok(files.length >= 10, `only ${files.length} files`);
    // The validator resolves references only by their exact text: the
    // files a file leads to, however indirectly, are given to it under the
    // text that names them.
    for (const f of files) {
      const v = new Validator();
      const todo = [f], given = new Set();
      while (todo.length > 0) {
        const at = todo.pop();
        for (const m of readFileSync(at, 'utf8').matchAll(/\$ref: '([^'#]+)#/g)) {
          if (given.has(m[1])) continue;
          given.add(m[1]);
          const target = path.join(path.dirname(at), m[1]);
          await v.addSpecRef(YAML.parse(readFileSync(target, 'utf8')), m[1]);
          todo.push(target);
        }
      }
      const r = await v.validate(f);
      assert.equal(r.valid, true, `${f}: ${JSON.stringify(r.errors, null, 1)}`);
      assert.equal(v.version, '3.1', f);
    }
    // Every reference of every file leads somewhere.
    const c = loadContract();
    for (const [url, doc] of c.docs) {
      const walk = (v, at) => {
        if (v === null || typeof v !== 'object') return;
        if (typeof v.$ref === 'string') c.deref(url, v.$ref);
        for (const [k, w] of Object.entries(v)) walk(w, `${at}/${k}`);
      };
      walk(doc, '');
    }
  });

  test('a spec that breaks OpenAPI 3.1 is refused by the validator', async () => {
    const doc = YAML.parse(readFileSync(serviceSpecFile('catalogue'), 'utf8'));
    doc.paths['/products'].get.responses = { 200: { content: {} } };   // no description
    const r = await new Validator().validate(doc);
    assert.equal(r.valid, false);
  });

  for (const service of SERVICES) {
    test(`${service}: its route table is exactly the paths of its spec`, () => {
      const { doc, url } = specOf(service);
      const envs = service === 'shipping' ? [{}, { FAULT_INJECTION: '1' }] : [{}];
      for (const env of envs) {
        const served = servedRoutes(service, env);
        assert.ok(served.includes('GET /ready') && served.includes('GET /metrics'), served.join());
        assert.deepEqual(drift(served, describedRoutes(doc, url, env)),
                         { undocumented: [], unserved: [] }, JSON.stringify(env));
      }
    });
  }

  test('a route missing from the spec, or one more in it, is drift', () => {
    const { doc, url } = specOf('cart');
    const served = servedRoutes('cart');
    const fewer = structuredClone(doc);
    delete fewer.paths['/rename/{from}/{to}'];
    assert.deepEqual(drift(served, describedRoutes(fewer, url)).undocumented,
                     ['GET /rename/:from/:to']);
    const more = structuredClone(doc);
    more.paths['/shipping/{id}'].put = more.paths['/shipping/{id}'].post;
    assert.deepEqual(drift(served, describedRoutes(more, url)).unserved, ['PUT /shipping/:id']);
  });

  test('the combined view lists exactly the public routes of the services behind the gateway', () => {
    const c = loadContract();
    const gatewayUrl = pathToFileURL(GATEWAY_SPEC).href;
    const combined = c.docs.get(gatewayUrl);
    const expected = [];
    for (const service of UPSTREAMS) {
      const url = pathToFileURL(serviceSpecFile(service)).href;
      for (const [template, raw] of Object.entries(c.docs.get(url).paths)) {
        const item = c.follow(url, `/paths/${pointerToken(template)}`, raw);
        const ops = HTTP_METHODS.filter((m) => item.value[m]);
        const internal = ops.filter((m) => item.value[m]['x-internal']);
        assert.ok(internal.length === 0 || internal.length === ops.length,
                  `${service} ${template}: internal and public methods on one path`);
        if (internal.length > 0) continue;
        const mine = `/api/${service}${template}`;
        expected.push(mine);
        assert.ok(combined.paths[mine], `${mine} is missing from docs/openapi.yaml`);
        const there = c.follow(gatewayUrl, `/paths/${pointerToken(mine)}`, combined.paths[mine]);
        assert.equal(there.value, item.value, `${mine} is not ${service}'s own path item`);
      }
    }
    const listed = Object.keys(combined.paths).filter((p) => /^\/api\/[a-z]/.test(p));
    assert.deepEqual(listed.sort(), expected.sort());
  });

  describe('the gateway refuses exactly the routes marked internal', () => {
    let web, dir;
    before(async () => {
      dir = tempDir();
      const closed = `http://127.0.0.1:${await freePort()}`;   // nothing listens there
      const env = { UI_DIR: dir };
      for (const s of UPSTREAMS) env[`${s.toUpperCase()}_URL`] = closed;
      web = await startService('web', env);
    });
    after(async () => {
      await web?.stop();
      removeDir(dir);
    });

    test('internal: 404 "not found" at the gateway; public: passed on (502, nothing listens)', async () => {
      const c = loadContract();
      let internalSeen = 0, publicSeen = 0;
      for (const service of UPSTREAMS) {
        const { doc, url } = specOf(service);
        for (const [template, raw] of Object.entries(doc.paths)) {
          const item = c.follow(url, `/paths/${pointerToken(template)}`, raw).value;
          for (const m of HTTP_METHODS.filter((x) => item[x])) {
            const p = `/api/${service}${template.replace(/\{[^}]+\}/g, '7')}`;
            const init = { method: m.toUpperCase() };
            if (m === 'post' || m === 'put') {
              init.body = '{}';
              init.headers = { 'content-type': 'application/json' };
            }
            const r = await call(web, p, init);
            if (item[m]['x-internal']) {
              internalSeen++;
              assert.deepEqual([r.status, r.body], [404, { error: 'not found' }], `${m} ${p}`);
            } else {
              publicSeen++;
              assert.deepEqual([r.status, r.body], [502, { error: 'service unreachable' }], `${m} ${p}`);
            }
          }
        }
      }
      assert.ok(internalSeen >= 15 && publicSeen >= 20, `${internalSeen} internal, ${publicSeen} public`);
    });
  });

  describe('answers through the gateway, and drift', () => {
    let catalogue, web, dir;
    before(async () => {
      dir = tempDir();
      catalogue = await startService('catalogue', { DOCSTORE_PATH: `${dir}/catalogue.db` });
      web = await startService('web', { UI_DIR: dir, CATALOGUE_URL: catalogue.url });
    });
    after(async () => {
      await web?.stop();
      await catalogue?.stop();
      removeDir(dir);
    });

    test('catalogue through the gateway fits the combined view', async () => {
      // Each answer is checked by call() itself; these are the ones to reach.
      assert.equal((await call(web, '/api/catalogue/products')).status, 200);
      assert.equal((await call(web, '/api/catalogue/product/RB-PEBBLE-5')).status, 200);
      assert.equal((await call(web, '/api/catalogue/product/RB-NOSUCH-1')).status, 404);
      assert.equal((await call(web, '/api/catalogue/product/bad%20sku')).status, 400);
      assert.equal((await call(web, '/api/catalogue/search/robot')).status, 200);
      assert.equal((await call(web, '/api/catalogue/health')).status, 404);
      assert.equal((await call(web, '/api/nosuch/x')).status, 404);
    });

    test('an answer that drifts from the spec fails the check', async () => {
      const res = await catalogue.fetch('/product/RB-PEBBLE-5');
      const good = { status: 200, headers: res.headers, text: await res.text() };
      const req = { method: 'GET', path: '/product/RB-PEBBLE-5' };
      const file = serviceSpecFile('catalogue');
      checkAnswer(file, req, good);
      const product = JSON.parse(good.text);
      const drifted = [
        [{ ...good, text: JSON.stringify({ ...product, _id: 'x' }) }, /schema/],
        [{ ...good, text: JSON.stringify({ ...product, price: 'cheap' }) }, /schema/],
        [{ ...good, status: 418 }, /no answer 418/],
        [{ ...good, status: 404, text: '{"message":"SKU not found"}' }, /schema/],
        [{ ...good, headers: new Headers({ 'content-type': 'text/html' }) }, /content type/],
      ];
      for (const [answer, why] of drifted)
        assert.throws(() => checkAnswer(file, req, answer), why);
      // A route the spec does not have, answered 200, and a parameter the
      // spec refuses that the service took.
      assert.throws(() => checkAnswer(file, { method: 'GET', path: '/productz' }, good), /no route/);
      assert.throws(() => checkAnswer(file, { method: 'GET', path: '/product/a%20b' }, good),
                    /breaks the spec's schema/);
      assert.throws(() => checkAnswer(file, { method: 'POST', path: '/products' }, good), /405/);
      // A request body the spec refuses, taken.
      const ok = { status: 200, headers: new Headers({ 'content-type': 'text/plain; charset=utf-8' }), text: 'OK' };
      const register = (body) => ({ method: 'POST', path: '/register', body });
      const user = serviceSpecFile('user');
      checkAnswer(user, register('{"name":"robbie","password":"secret1","email":"r@example.org"}'), ok);
      for (const bad of ['{"name":"robbie","password":"short","email":"r@example.org"}', '{"name":"robbie"}', 'nope'])
        assert.throws(() => checkAnswer(user, register(bad), ok), /request body breaks/, bad);
      checkAnswer(user, register('{"name":"robbie"}'),
        { status: 400, headers: new Headers({ 'content-type': 'application/json' }), text: '{"error":"insufficient data"}' });
    });
  });
});
