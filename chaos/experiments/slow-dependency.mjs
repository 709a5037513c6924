// slow-dependency.mjs - a slow peer: the external payment gateway payment
// calls on every payment (PAYMENT_GATEWAY, played by chaos/lib/gateway.mjs)
// answers late, first within payment's PAYMENT_GATEWAY_TIMEOUT_MS (3 s),
// then far past it. (tc netem cannot be had here: this kernel has no
// queueing disciplines; the gateway is a peer whose delay can change while
// the shop runs, unlike the GO_SLOW and PAYMENT_DELAY_MS knobs, read once
// at start.)
import {
  check, loadErrorsOnlyOn, noOrderLost, probesHeld, samplesWithin, secondsWithin,
} from '../lib/verdict.mjs';

const SLOW_MS = 1000;
const STUCK_MS = 10000;
const GATEWAY_TIMEOUT_MS = 3000;
// What payment may add to the gateway's timeout before it answers (its own
// calls to cart and user, the web gateway).
const ANSWER_SLACK_MS = 700;
// A checkout's payment reaches the gateway a few ms after the checkout
// began: those begun this close to a change of delay may meet either.
const EDGE_MS = 150;

export default {
  name: 'slow-dependency',
  title: `a slow payment gateway: +${SLOW_MS} ms, then +${STUCK_MS} ms (past payment's ${GATEWAY_TIMEOUT_MS} ms timeout)`,
  hypothesis: [
    `while the gateway takes ${SLOW_MS} ms, every checkout succeeds, about ${SLOW_MS} ms slower`,
    `while it takes ${STUCK_MS} ms, payment gives up at its timeout: 502 "payment failed" within ${GATEWAY_TIMEOUT_MS + ANSWER_SLACK_MS} ms, never the web gateway's 5 s`,
    'no pile-up: every other route answers 200 throughout, and the load\'s journeys in flight stay bounded and fall back once the gateway is quick again',
    'the load fails only on the payment step, with 502',
    'checkouts succeed again as soon as the gateway is quick; no order lost',
  ],
  plan: (quick) => (quick ? { beforeS: 4, faultS: 12, afterS: 5, slowS: 5, stuckS: 6 }
    : { beforeS: 8, faultS: 24, afterS: 8, slowS: 10, stuckS: 12 }),

  async inject({ gateway, plan, sleep }) {
    if (!gateway) throw new Error('slow-dependency needs the shop started by the runner (its payment gateway)');
    const callsBefore = gateway.calls;
    const faultStart = Date.now();
    gateway.delayMs = SLOW_MS;
    await sleep(plan.slowS * 1000);
    const stuckAt = Date.now();
    gateway.delayMs = STUCK_MS;
    await sleep(plan.stuckS * 1000);
    gateway.delayMs = 0;
    const faultEnd = Date.now();
    return { faultStart, stuckAt, faultEnd, callsBefore, callsDuring: gateway.calls - callsBefore };
  },

  judge({ doc, samples, events, trafficStart, trafficEnd, orders, rate }) {
    const { faultStart, stuckAt, faultEnd } = events;
    const others = [...new Set(samples.map((s) => s.route))].filter((r) => r !== 'checkout');
    // The checkouts whose payment reached the gateway inside a phase: those
    // begun from EDGE_MS after its start to EDGE_MS before its end.
    const slowPays = samplesWithin(samples, faultStart + EDGE_MS, stuckAt - EDGE_MS, ['checkout']);
    const slowest = (list) => list.reduce((m, s) => Math.max(m, s.ms), 0);
    const quickest = (list) => list.reduce((m, s) => Math.min(m, s.ms), Infinity);
    const stuckPays = samplesWithin(samples, stuckAt + EDGE_MS, faultEnd - EDGE_MS, ['checkout']);
    const budget = GATEWAY_TIMEOUT_MS + ANSWER_SLACK_MS;
    const before = secondsWithin(doc, trafficStart, faultStart);
    const during = secondsWithin(doc, stuckAt, faultEnd);
    const settled = secondsWithin(doc, faultEnd + budget + 1000, trafficEnd);
    const most = (list) => list.reduce((m, s) => Math.max(m, s.active), 0);
    // In flight at most: the journeys of the time a payment may wait, and
    // those the load had anyway.
    const bound = most(before) + Math.ceil(rate * (budget / 1000 + 1));
    return [
      check('payment calls the gateway', events.callsBefore > 0 && events.callsDuring > 0,
        `${events.callsBefore} calls before the fault, ${events.callsDuring} during`),
      probesHeld('before: every probe answered 200', samples, trafficStart, faultStart),
      probesHeld('slow: every checkout succeeded', slowPays, faultStart, stuckAt),
      check(`slow: payments took the gateway's ${SLOW_MS} ms more, and no more than ${SLOW_MS + ANSWER_SLACK_MS} ms`,
        slowPays.length > 0 && quickest(slowPays) >= SLOW_MS && slowest(slowPays) <= SLOW_MS + ANSWER_SLACK_MS,
        `payment answered in ${quickest(slowPays)}..${slowest(slowPays)} ms over ${slowPays.length} checkouts`),
      check(`stuck: payment answers 502 within ${budget} ms`,
        stuckPays.length > 0 && stuckPays.every((s) => s.step === 'pay' && s.status === 502 && s.ms <= budget),
        `${stuckPays.length} payments: statuses ${[...new Set(stuckPays.map((s) => s.status))].join(', ')}, ` +
        `slowest ${slowest(stuckPays)} ms`),
      probesHeld('every other route answered 200 throughout', samples, trafficStart, trafficEnd, others),
      check(`no pile-up: journeys in flight <= ${bound} while stuck, back to <= ${Math.max(1, most(before)) * 2} after`,
        during.length > 0 && most(during) <= bound && settled.length > 0 && most(settled) <= Math.max(1, most(before)) * 2,
        `in flight at most ${most(before)} before, ${most(during)} stuck, ${most(settled)} after`),
      loadErrorsOnlyOn('load: errors only on the payment step, 502 only', doc, ['POST /api/payment/pay/:id'], ['status 502']),
      probesHeld('after: every checkout started once the gateway was quick succeeded', samples, faultEnd, trafficEnd),
      noOrderLost('no order lost', orders),
    ];
  },
};
