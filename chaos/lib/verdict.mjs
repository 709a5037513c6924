// verdict.mjs - the steady-state hypotheses judged on what an experiment
// observed: rs-load's results document (its per-second timeline laid on the
// wall clock from "started"), the probes' samples and the fault's events.
// Every function here is pure: a recorded run judged again gives the same
// verdict (run.mjs --judge). A check is {name, ok, detail}.

// The timeline as seconds on the wall clock: [{start, end, t, requests,
// errors, active, p95Ms}].
export function seconds(doc) {
  const t0 = Date.parse(doc.started);
  return doc.timeline.map((s) => ({
    start: t0 + (s.t - 1) * 1000, end: t0 + s.t * 1000, t: s.t,
    requests: s.requests, errors: s.errors, active: s.active, p95Ms: s.p95_us / 1000,
  }));
}

// The seconds wholly inside [from, to).
export function secondsWithin(doc, from, to) {
  return seconds(doc).filter((s) => s.start >= from && s.end <= to);
}

// The samples that started inside [from, to), of the given routes (all when
// routes is omitted).
export function samplesWithin(samples, from, to, routes) {
  return samples.filter((s) => s.started >= from && s.started < to && (!routes || routes.includes(s.route)));
}

export function check(name, ok, detail) {
  return { name, ok: Boolean(ok), detail };
}

export function percentile(values, p) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const sum = (list, key) => list.reduce((a, s) => a + s[key], 0);

// No load request failed in the seconds wholly inside [from, to), and the
// load ran there.
export function noLoadErrors(name, doc, from, to) {
  const list = secondsWithin(doc, from, to);
  const requests = sum(list, 'requests'), errors = sum(list, 'errors');
  return check(name, list.length > 0 && requests > 0 && errors === 0,
    `${errors} errors in ${requests} requests over ${list.length} s`);
}

// Every probe that started inside [from, to) was answered 200.
export function probesHeld(name, samples, from, to, routes) {
  const list = samplesWithin(samples, from, to, routes);
  const failed = list.filter((s) => !s.ok);
  const first = failed[0];
  return check(name, list.length > 0 && failed.length === 0,
    `${failed.length} of ${list.length} probes failed` +
    (first ? ` (first: ${first.route}${first.step ? ` ${first.step}` : ''} status ${first.status} after ${first.ms} ms)` : ''));
}

// The probes of the given routes inside [from, to) failed truthfully and
// fast: every failure is one of the statuses allowed, every answer came
// within budgetMs, and the fault was seen (one failure at least).
export function failedFast(name, samples, from, to, routes, statuses, budgetMs) {
  const list = samplesWithin(samples, from, to, routes);
  const failed = list.filter((s) => !s.ok);
  const wrong = failed.filter((s) => !statuses.includes(s.status));
  const slowest = list.reduce((m, s) => Math.max(m, s.ms), 0);
  const ok = failed.length > 0 && wrong.length === 0 && slowest <= budgetMs;
  const seen = [...new Set(failed.map((s) => s.status))].join(', ') || 'none';
  return check(name, ok,
    `${failed.length} of ${list.length} failed (statuses ${seen}; allowed ${statuses.join(', ')}), ` +
    `median failure ${percentile(failed.map((s) => s.ms), 50)} ms, slowest answer ${slowest} ms (budget ${budgetMs} ms)`);
}

// How long after `since` every probe of the routes answered 200 again: the
// end of the first success after each route's last failure, the latest of
// them. null when a route never succeeded after its last failure.
export function recoveryMs(samples, since, routes) {
  let latest = since;
  for (const route of routes) {
    const list = samples.filter((s) => s.route === route && s.started + s.ms >= since);
    const lastFail = list.findLastIndex((s) => !s.ok);
    if (lastFail === -1) continue;
    const next = list[lastFail + 1];
    if (!next) return null;
    latest = Math.max(latest, next.started + next.ms);
  }
  return latest - since;
}

// The load's errors (the whole run), by step and name, are all on the steps
// allowed and of the names allowed.
export function loadErrorsOnlyOn(name, doc, steps, names) {
  const stray = doc.errors.filter((e) => !steps.includes(e.step) || !names.includes(e.error));
  const seen = doc.errors.map((e) => `${e.step}: ${e.error} ×${e.count}`).join('; ') || 'none';
  return check(name, stray.length === 0,
    stray.length ? `errors elsewhere: ${stray.map((e) => `${e.step}: ${e.error} ×${e.count}`).join('; ')}` : `errors: ${seen}`);
}

// The payments the shop said yes to, and the ones whose outcome it said it
// did not know, from the load and the probes.
export function payments(doc, samples) {
  const pay = doc.steps.find((s) => s.name === 'POST /api/payment/pay/:id');
  const unknownLoad = doc.errors.filter((e) => e.step === 'POST /api/payment/pay/:id' && e.error === 'status 504')
    .reduce((a, e) => a + e.count, 0);
  const probes = samples.filter((s) => s.route === 'checkout' && s.step === 'pay');
  return {
    accepted: (pay ? pay.count - pay.errors : 0) + probes.filter((s) => s.ok).length,
    unknown: unknownLoad + probes.filter((s) => s.status === 504).length,
  };
}

// No order lost, none made up: accepted <= recorded <= accepted + unknown.
export function noOrderLost(name, orders) {
  const { accepted, unknown, recorded } = orders;
  return check(name, recorded >= accepted && recorded <= accepted + unknown,
    `${accepted} payments accepted, ${unknown} of unknown outcome, ${recorded} orders recorded by dispatch`);
}

// Every hypothesis held.
export function passed(checks) {
  return checks.length > 0 && checks.every((c) => c.ok);
}
