// probes.mjs - the shopper's routes, each asked again and again through the
// gateway while an experiment runs, one request at a time per route, every
// answer kept with its start (epoch ms), latency and status: the fine-grained
// view the per-second load timeline cannot give (which routes failed, how
// fast, and when each was back). Each route names the datastores it needs;
// a checkout (add to cart, confirm shipping, pay) counts as one probe and
// is the request that decided it: the first step that failed, or the
// payment (with the order id when paid).
const SKU = 'RB-MOPSY-2';
const PROBE_CART = 'chaos-probe-cart';

export const ROUTES = [
  { name: 'storefront', needs: [], path: '/' },
  { name: 'catalogue', needs: [], path: '/api/catalogue/products' },
  { name: 'product', needs: [], path: `/api/catalogue/product/${SKU}` },
  { name: 'ratings', needs: ['mariadb'], path: `/api/ratings/api/fetch/${SKU}` },
  { name: 'shipping', needs: ['mariadb'], path: '/api/shipping/codes' },
  { name: 'user id', needs: ['redis'], path: '/api/user/uniqueid' },
  { name: 'cart', needs: ['redis'], path: `/api/cart/cart/${PROBE_CART}` },
  { name: 'checkout', needs: ['redis', 'rabbitmq'], checkout: true },
];

const INTERVAL_MS = 200;
const CHECKOUT_INTERVAL_MS = 500;
const TIMEOUT_MS = 8000;

async function ask(base, method, path, body) {
  const started = Date.now();
  try {
    const r = await fetch(base + path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await r.text();
    return { started, ms: Date.now() - started, status: r.status, text };
  } catch (e) {
    return { started, ms: Date.now() - started, status: 0, text: e.name === 'TimeoutError' ? 'timeout' : e.message };
  }
}

// Add a robot, confirm shipping, pay: one sample, of the step that failed
// (or of the payment): that request's start, latency and status, and the
// whole checkout's time (totalMs).
async function checkout(base, n) {
  const id = `chaos-probe-${process.pid}-${n}`;
  const began = Date.now();
  const sample = (step, r, extra = {}) =>
    ({ started: r.started, ms: r.ms, status: r.status, step, totalMs: Date.now() - began, ...extra });
  const add = await ask(base, 'GET', `/api/cart/add/${id}/${SKU}/1`);
  if (add.status !== 200) return sample('add', add);
  const shipped = await ask(base, 'POST', `/api/shipping/confirm/${id}`,
    { location: 'Wuppertal, DE', distance: 1, cost: 0.05 });
  if (shipped.status !== 200) return sample('confirm', shipped);
  let cart;
  try { cart = JSON.parse(shipped.text); } catch { return sample('confirm', { ...shipped, status: 0 }); }
  const paid = await ask(base, 'POST', `/api/payment/pay/${id}`, cart);
  let orderid;
  try { orderid = JSON.parse(paid.text).orderid; } catch { /* not JSON */ }
  return sample('pay', paid, { orderid });
}

// Starts every route's loop; stop() ends them and returns the samples:
// [{route, started, ms, status, ok, step?, orderid?}], oldest first.
export async function startProbes(base) {
  const setup = await ask(base, 'GET', `/api/cart/add/${PROBE_CART}/${SKU}/1`);
  if (setup.status !== 200) throw new Error(`the probes' cart could not be made: ${setup.status} ${setup.text}`);
  const samples = [];
  let running = true;
  let n = 0;
  const loop = async (route) => {
    const every = route.checkout ? CHECKOUT_INTERVAL_MS : INTERVAL_MS;
    while (running) {
      const began = Date.now();
      const s = route.checkout ? await checkout(base, ++n) : await ask(base, 'GET', route.path);
      delete s.text;
      samples.push({ route: route.name, ...s, ok: s.status === 200 });
      const wait = every - (Date.now() - began);
      if (wait > 0 && running) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const loops = ROUTES.map(loop);
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(loops);
      return samples.sort((a, b) => a.started - b.started);
    },
  };
}
