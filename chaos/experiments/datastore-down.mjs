// datastore-down.mjs - each datastore down in turn, two ways: stopped
// (supervisorctl stop: the port refuses, then start again) and frozen
// (SIGSTOP: connections stay open and nothing answers, then SIGCONT). Only
// the routes that need the store may fail, and then fast and truthfully;
// everything else holds; all is back within 2 s of the store's return; and
// every payment accepted becomes exactly one order.
import { STORES } from '../lib/shop.mjs';
import { ROUTES } from '../lib/probes.mjs';
import {
  check, failedFast, loadErrorsOnlyOn, noLoadErrors, noOrderLost, probesHeld, recoveryMs,
} from '../lib/verdict.mjs';

const RECOVERY_MS = 2000;
// How long each store may take to start again (RabbitMQ boots slowly).
const RESTART_S = { redis: 3, mariadb: 10, rabbitmq: 20 };
// A failing route answers within the store's timeout (a frozen store, or
// one shutting down or starting, holds each call that long; a stopped one
// refuses at once), plus this much for the gateway, the service's other
// work and the machine's other load.
const SLACK_MS = 1000;

// The load's steps that need each store (src/load/scenario.c's names).
const STEPS = {
  redis: ['GET /api/user/uniqueid', 'GET /api/cart/add/:id/:sku/:qty', 'GET /api/cart/cart/:id',
    'GET /api/cart/update/:id/:sku/:qty', 'POST /api/shipping/confirm/:id', 'POST /api/payment/pay/:id'],
  mariadb: ['GET /api/ratings/api/fetch/:sku', 'PUT /api/ratings/api/rate/:sku/:score', 'GET /api/shipping/codes',
    'GET /api/shipping/match/:code/:text', 'GET /api/shipping/calc/:uuid'],
  rabbitmq: ['POST /api/payment/pay/:id'],
};

function experiment(store, mode) {
  const needing = ROUTES.filter((r) => r.needs.includes(store)).map((r) => r.name);
  const others = ROUTES.filter((r) => !r.needs.includes(store)).map((r) => r.name);
  const budgetMs = STORES[store].timeoutMs + SLACK_MS;
  // 503: not applied; 504: a write sent to a store that did not answer
  // (outcome unknown). Nothing else.
  const statuses = [503, 504];
  return {
    name: `${store}-${mode}`,
    title: `${store} ${mode === 'stop' ? 'stopped' : 'frozen (SIGSTOP)'}`,
    store,
    hypothesis: [
      `the routes that need ${store} (${needing.join(', ')}) answer 503 or 504, each within ${store}'s timeout ` +
        `(${STORES[store].timeoutMs} ms) + ${SLACK_MS} ms`,
      `every other route (${others.join(', ')}) answers 200 throughout`,
      `the load's errors are only on the steps that need ${store}, and only 503 or 504`,
      `every route answers 200 again within ${RECOVERY_MS / 1000} s of ${store}'s return, and the load has no error after`,
      'no order lost: payments accepted <= orders recorded <= accepted + outcome unknown',
    ],
    // faultS bounds the fault: down for downS, then the store's start.
    plan: (quick) => {
      const downS = quick ? 3 : 10;
      return { beforeS: quick ? 3 : 8, downS, faultS: downS + RESTART_S[store], afterS: quick ? 4 : 8 };
    },

    async inject({ shop, plan, sleep, untilTrue }) {
      const events = {};
      if (mode === 'stop') {
        events.faultStart = Date.now();
        await shop.supervisor('stop', store);
        events.down = await untilTrue(async () => !(await shop.accepts(store)), 10000);
        await sleep(plan.downS * 1000 - (Date.now() - events.faultStart));
        events.restartAsked = Date.now();
        await shop.supervisor('start', store);
        events.returned = await untilTrue(() => shop.accepts(store), 60000);
        events.faultEnd = Date.now();
      } else {
        const pid = await shop.pid(store);
        if (!pid) throw new Error(`${store} is not running`);
        events.faultStart = Date.now();
        process.kill(pid, 'SIGSTOP');
        events.down = true;
        try {
          await sleep(plan.downS * 1000);
        } finally {
          process.kill(pid, 'SIGCONT');
        }
        events.returned = true;
        events.faultEnd = Date.now();
      }
      return events;
    },

    judge({ doc, samples, events, trafficStart, trafficEnd, orders }) {
      const { faultStart, faultEnd } = events;
      const recovery = recoveryMs(samples, faultEnd, ROUTES.map((r) => r.name));
      const settled = faultEnd + RECOVERY_MS;
      return [
        check(`${store} went down and came back`, events.down && events.returned,
          `down ${events.down ? 'yes' : 'no'}, back ${events.returned ? `after ${((faultEnd - faultStart) / 1000).toFixed(1)} s` : 'no'}`),
        noLoadErrors('before: no load errors', doc, trafficStart, faultStart),
        probesHeld('before: every probe answered 200', samples, trafficStart, faultStart),
        failedFast(`during: the routes needing ${store} fail with 503/504 within ${budgetMs} ms`,
          samples, faultStart, faultEnd, needing, statuses, budgetMs),
        probesHeld('during: every other route answered 200', samples, faultStart, faultEnd, others),
        loadErrorsOnlyOn(`load: errors only on the steps needing ${store}, 503/504 only`, doc, STEPS[store],
          statuses.map((s) => `status ${s}`)),
        check(`after: every route answers 200 within ${RECOVERY_MS} ms of the return`,
          recovery !== null && recovery <= RECOVERY_MS,
          recovery === null ? 'a route never answered 200 again' : `all back ${recovery} ms after the return`),
        probesHeld(`after: every probe answered 200 from ${RECOVERY_MS} ms after the return`, samples, settled, trafficEnd),
        noLoadErrors(`after: no load errors from ${RECOVERY_MS} ms after the return`, doc, settled, trafficEnd),
        noOrderLost('no order lost', orders),
      ];
    },
  };
}

export const experiments = ['mariadb', 'redis', 'rabbitmq']
  .flatMap((store) => [experiment(store, 'stop'), experiment(store, 'freeze')]);
