// kill-replica.mjs - SIGKILL to one of the catalogue's two replicas.
// supervisord (scripts/stack's programs: autorestart=true) starts it again;
// meanwhile the gateway passes over the dead replica (a refused connect goes
// to the other one, and the address is skipped for a while), and so do cart
// and ratings, which call the catalogue too.
import { Shop } from '../lib/shop.mjs';
import { check, noLoadErrors, probesHeld } from '../lib/verdict.mjs';

const BACK_WITHIN_S = 5;

export default {
  name: 'kill-replica',
  title: 'kill a catalogue replica (SIGKILL)',
  hypothesis: [
    'no request fails, of the load or of the probes, before, during or after',
    `the replica is back (a new process, /ready 200) within ${BACK_WITHIN_S} s`,
  ],
  plan: (quick) => (quick ? { beforeS: 3, faultS: 6, afterS: 3 } : { beforeS: 10, faultS: 10, afterS: 10 }),

  async inject({ shop, sleep, untilTrue }) {
    const program = Shop.program('catalogue', 1);
    const pid = await shop.pid(program);
    if (!pid) throw new Error(`${program} is not running`);
    const faultStart = Date.now();
    process.kill(pid, 'SIGKILL');
    const back = await untilTrue(async () => {
      const now = await shop.pid(program);
      return now !== 0 && now !== pid && (await shop.ready('catalogue', 1));
    }, 30000);
    const faultEnd = Date.now();
    return { faultStart, faultEnd, killedPid: pid, newPid: await shop.pid(program), back, backMs: faultEnd - faultStart };
  },

  judge({ doc, samples, events, trafficStart, trafficEnd }) {
    return [
      check('load: 0 failed requests in the whole run', doc.totals.errors === 0 && doc.totals.requests > 0,
        `${doc.totals.errors} errors in ${doc.totals.requests} requests`),
      noLoadErrors('load: 0 errors in the seconds around the kill', doc, events.faultStart - 2000, events.faultEnd + 2000),
      probesHeld('probes: every route answered 200 throughout', samples, trafficStart, trafficEnd),
      check(`the replica is back within ${BACK_WITHIN_S} s`, events.back && events.backMs <= BACK_WITHIN_S * 1000,
        events.back ? `back in ${(events.backMs / 1000).toFixed(2)} s (pid ${events.killedPid} → ${events.newPid})` : 'not back'),
    ];
  },
};
