// mesh-policy.mjs - the rules the Istio objects of a rendered tree keep:
// routing that covers every /api prefix the shop's clients call, retries
// only where a request may be repeated, pools and outlier detection on
// every destination, STRICT mutual TLS, and authorization that allows
// exactly the calls the services' settings make. Each rule returns a list
// of violations naming the object and the field (empty when it holds).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO, objectName, podLabelSets, podLabelsOf, podSpecOf, selects, workloads } from './kube.mjs';
import { resolveCalls } from './policy.mjs';

export const INGRESS_PRINCIPAL = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

// Paths no request from outside may reach, per service (after the ingress
// strips /api/<service>); every service's operational routes besides.
export const INTERNAL_PATHS = { user: ['/order/*'], cart: ['/shipping/*'] };
export const OPERATIONAL_PATHS = ['/metrics', '/health', '/ready'];

// GET routes of the classic API that change state: never retried.
export const MUTATING_GETS = ['/api/cart/add/', '/api/cart/update/', '/api/cart/rename/', '/api/shipping/memory', '/api/shipping/free'];

// Every /api/<service>/ prefix that the storefront (ui/), rs-load
// (src/load/) and the k6 scripts (deploy/k6/) call, read from their sources.
export function clientPrefixes() {
  const files = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|mjs|html|c)$/.test(e.name)) files.push(p);
    }
  };
  for (const dir of ['ui', 'src/load', 'deploy/k6']) walk(path.join(REPO, dir));
  const prefixes = new Set();
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\/api\/([a-z]+)\//g)) prefixes.add(`/api/${m[1]}/`);
  }
  return [...prefixes].sort();
}

function uriPrefixes(route) {
  return (route.match ?? [{}]).map((m) => m.uri?.prefix ?? (m.uri ? null : '/')).filter((p) => p !== null);
}

function methodsOf(route) {
  return (route.match ?? [{}]).map((m) => m.method?.exact ?? null);
}

function hostService(host) {
  return host.split('.')[0];
}

function ingressServices(objects) {
  return objects.filter((o) => o.kind === 'VirtualService' && (o.spec.gateways ?? []).length);
}

// Every client prefix is routed (before the catch-all) to a Service and
// port that exist; the catch-all `/` is the last route and goes to web.
export function routingRules(objects, prefixes = clientPrefixes()) {
  const out = [];
  for (const vs of ingressServices(objects)) {
    const routes = vs.spec.http ?? [];
    const at = objectName(vs);
    const last = routes[routes.length - 1];
    const catchAll = routes.findIndex((r) => uriPrefixes(r).includes('/') && methodsOf(r).includes(null));
    const lastApi = routes.findLastIndex((r) => uriPrefixes(r).some((p) => p.startsWith('/api/')));
    if (catchAll === -1) out.push(`${at}: spec.http: no route for / (every method)`);
    else if (catchAll !== routes.length - 1) out.push(`${at}: spec.http[${catchAll}]: the route for / is not last`);
    else if (!last.route?.every((d) => hostService(d.destination.host) === 'web')) out.push(`${at}: spec.http[${catchAll}]: / does not go to web`);
    routes.forEach((r, i) => {
      if (uriPrefixes(r).includes('/') && i < lastApi) out.push(`${at}: spec.http[${i}] (${r.name}): a route for / before the /api routes`);
    });
    for (const prefix of prefixes) {
      const i = routes.findIndex((r) => uriPrefixes(r).some((p) => p !== '/' && prefix.startsWith(p)) && methodsOf(r).includes(null));
      if (i === -1 || i > catchAll) {
        out.push(`${at}: spec.http: no route for ${prefix} (every method) before /`);
        continue;
      }
      const service = prefix.split('/')[2];
      for (const d of routes[i].route ?? []) {
        if (hostService(d.destination.host) !== service) out.push(`${at}: spec.http[${i}]: ${prefix} goes to ${d.destination.host}, not ${service}`);
      }
    }
    routes.forEach((r, i) => {
      for (const d of r.route ?? []) {
        const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === hostService(d.destination.host));
        if (!svc) out.push(`${at}: spec.http[${i}].route: no Service ${d.destination.host}`);
        else if (!(svc.spec.ports ?? []).some((p) => p.port === d.destination.port?.number)) out.push(`${at}: spec.http[${i}].route: Service ${svc.metadata.name} has no port ${d.destination.port?.number}`);
      }
      if (!r.timeout) out.push(`${at}: spec.http[${i}] (${r.name}): no timeout`);
      if (uriPrefixes(r).some((p) => p.startsWith('/api/')) && !r.rewrite?.uri) out.push(`${at}: spec.http[${i}] (${r.name}): /api prefix not stripped`);
    });
  }
  return out;
}

// The index of the first route that a GET of path reaches.
function firstRouteFor(routes, urlPath) {
  return routes.findIndex((r) => (r.match ?? [{}]).some((m) => (!m.uri || urlPath.startsWith(m.uri.prefix ?? '\0')) &&
    (!m.method || m.method.exact === 'GET')));
}

// Retries only on routes that match GET alone and change nothing: a GET
// that changes state must be taken by a route without retries first.
export function retryRules(objects) {
  const out = [];
  for (const vs of objects.filter((o) => o.kind === 'VirtualService')) {
    const routes = vs.spec.http ?? [];
    routes.forEach((r, i) => {
      const attempts = r.retries?.attempts;
      if (attempts === 0) return;
      const at = `${objectName(vs)}: spec.http[${i}] (${r.name})`;
      if (attempts === undefined) {
        out.push(`${at}: retries unset (Istio's default retries every method)`);
        return;
      }
      if (!methodsOf(r).every((m) => m === 'GET')) out.push(`${at}: retries a route that is not GET-only`);
      for (const g of MUTATING_GETS) {
        if (firstRouteFor(routes, g) === i) out.push(`${at}: retries ${g}, a GET that changes state`);
      }
    });
  }
  return out;
}

// Every destination a VirtualService names has a DestinationRule with a
// connection pool, outlier detection and mutual TLS.
export function destinationRules(objects) {
  const out = [];
  const hosts = new Set(objects.filter((o) => o.kind === 'VirtualService')
    .flatMap((vs) => (vs.spec.http ?? []).flatMap((r) => (r.route ?? []).map((d) => d.destination.host))));
  for (const host of hosts) {
    const dr = objects.find((o) => o.kind === 'DestinationRule' && o.spec.host === host);
    if (!dr) {
      out.push(`VirtualService destination ${host}: no DestinationRule`);
      continue;
    }
    const tp = dr.spec.trafficPolicy ?? {};
    if (!tp.connectionPool?.tcp?.maxConnections || !tp.connectionPool?.http?.http1MaxPendingRequests) out.push(`${objectName(dr)}: spec.trafficPolicy.connectionPool: no bounded pool`);
    if (!tp.outlierDetection?.consecutive5xxErrors) out.push(`${objectName(dr)}: spec.trafficPolicy.outlierDetection: missing`);
    if (tp.tls?.mode !== 'ISTIO_MUTUAL') out.push(`${objectName(dr)}: spec.trafficPolicy.tls.mode: must be ISTIO_MUTUAL`);
  }
  return out;
}

export function mtlsRules(objects) {
  if (!objects.some((o) => o.kind === 'VirtualService')) return [];
  const pa = objects.filter((o) => o.kind === 'PeerAuthentication' && !o.spec?.selector);
  if (!pa.length) return ['PeerAuthentication: none for the namespace'];
  return pa.filter((p) => p.spec?.mtls?.mode !== 'STRICT' || p.spec.portLevelMtls)
    .map((p) => `${objectName(p)}: spec.mtls.mode: must be STRICT, with no port-level exception`);
}

function principalOf(w) {
  return `cluster.local/ns/${w.metadata.namespace}/sa/${podSpecOf(w).serviceAccountName ?? 'default'}`;
}

// Is a workload's pod kept out of the mesh (no sidecar, so no
// AuthorizationPolicy applies to it)?
function outOfMesh(w) {
  const template = w.spec?.template?.metadata ?? {};
  return (template.labels ?? {})['sidecar.istio.io/inject'] === 'false' ||
    (template.annotations ?? {})['sidecar.istio.io/inject'] === 'false';
}

function policiesOf(w, objects) {
  return objects.filter((o) => o.kind === 'AuthorizationPolicy' && o.metadata.namespace === w.metadata.namespace &&
    o.spec?.selector && selects(o.spec.selector, podLabelsOf(w)));
}

// With AuthorizationPolicies rendered: a namespace-wide allow-nothing;
// every call the settings make to a workload in the mesh (one without a
// sidecar, such as the trace collector, has no policy to pass) allowed to
// the caller's identity (and port);
// every principal a policy names is a caller of that workload, or the
// ingress gateway to a workload it routes to, never reaching an internal
// or operational path.
export function authorizationRules(objects) {
  const policies = objects.filter((o) => o.kind === 'AuthorizationPolicy');
  if (!policies.length) return [];
  const out = [];
  if (!policies.some((p) => !p.spec?.selector && !p.spec?.rules && !p.spec?.action)) out.push('AuthorizationPolicy: no allow-nothing default for the namespace');
  const calls = resolveCalls(objects).filter((c) => !c.error);
  const routed = new Set(ingressServices(objects).flatMap((vs) => (vs.spec.http ?? []).flatMap((r) => (r.route ?? []).map((d) => hostService(d.destination.host)))));
  for (const call of calls) {
    for (const t of call.targets) {
      if (outOfMesh(t.workload)) continue;
      const rules = policiesOf(t.workload, objects).filter((p) => (p.spec.action ?? 'ALLOW') === 'ALLOW').flatMap((p) => p.spec.rules ?? []);
      const ok = rules.some((r) => (r.from ?? []).some((f) => (f.source?.principals ?? []).includes(principalOf(call.from))) &&
        (!r.to || r.to.some((op) => !op.operation?.ports || op.operation.ports.includes(String(t.port?.containerPort)))));
      if (!ok) out.push(`${objectName(t.workload)}: no AuthorizationPolicy allows ${call.from.metadata.name} (${principalOf(call.from)}) on port ${t.port?.containerPort}`);
    }
  }
  for (const p of policies.filter((x) => x.spec?.selector)) {
    const targets = workloads(objects).filter((w) => selects(p.spec.selector, podLabelsOf(w)));
    (p.spec.rules ?? []).forEach((rule, i) => {
      const at = `${objectName(p)}: spec.rules[${i}]`;
      if (!rule.from?.length) out.push(`${at}: allows any source`);
      for (const f of rule.from ?? []) {
        if (!f.source?.principals?.length) out.push(`${at}: a source without principals`);
        for (const principal of f.source?.principals ?? []) {
          for (const w of targets) {
            const name = podLabelsOf(w)['app.kubernetes.io/name'] ?? w.metadata.name;
            if (principal === INGRESS_PRINCIPAL) {
              if (!routed.has(name)) out.push(`${at}: lets the ingress reach ${name}, which no route sends it to`);
              const kept = (rule.to ?? []).flatMap((op) => op.operation?.notPaths ?? []);
              const blocked = rule.to?.length && rule.to.every((op) => !op.operation?.paths);
              for (const internal of [...(INTERNAL_PATHS[name] ?? []), ...OPERATIONAL_PATHS]) {
                if (!blocked || !kept.includes(internal)) out.push(`${at}: the ingress may reach ${name}'s ${internal}`);
              }
            } else if (!calls.some((c) => principalOf(c.from) === principal && c.targets.some((t) => t.workload === w))) {
              out.push(`${at}: allows ${principal} to call ${name}, a call the shop does not make`);
            }
          }
        }
      }
    });
  }
  return out;
}

// Every route that splits traffic gives weights summing to 100, each to a
// subset its host's DestinationRule defines, whose labels select pods of a
// workload behind that host's Service.
export function splitRules(objects) {
  const out = [];
  for (const vs of objects.filter((o) => o.kind === 'VirtualService')) {
    (vs.spec.http ?? []).forEach((r, i) => {
      const dests = r.route ?? [];
      const at = `${objectName(vs)}: spec.http[${i}] (${r.name})`;
      if (dests.length > 1 || dests.some((d) => d.weight !== undefined)) {
        const sum = dests.reduce((n, d) => n + (d.weight ?? 0), 0);
        if (sum !== 100) out.push(`${at}: weights sum to ${sum}, not 100`);
      }
      dests.forEach((d, j) => {
        if (!d.destination.subset) return;
        const dr = objects.find((o) => o.kind === 'DestinationRule' && o.spec.host === d.destination.host);
        const subset = dr?.spec.subsets?.find((x) => x.name === d.destination.subset);
        if (!subset) {
          out.push(`${at}.route[${j}]: subset ${d.destination.subset} of ${d.destination.host} is defined by no DestinationRule`);
          return;
        }
        const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === hostService(d.destination.host));
        const pods = workloads(objects).filter((w) => svc && podLabelSets(w).some((labels) => selects(svc.spec.selector, labels) && selects({ matchLabels: subset.labels }, labels)));
        if (!pods.length) out.push(`${at}.route[${j}]: subset ${subset.name} (${JSON.stringify(subset.labels)}) selects no pods behind ${hostService(d.destination.host)}`);
      });
    });
  }
  return out;
}

export const MESH_RULES = { routingRules, retryRules, destinationRules, mtlsRules, authorizationRules, splitRules };
