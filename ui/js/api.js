// api.js - every call to the shop's services goes through here: fetch with
// a timeout, JSON parsing, and turning any failure (network, 4xx, 5xx,
// {"error": "..."} bodies) into an ApiError whose message is written for a
// person, not a programmer.

const TIMEOUT_MS = 15000;

const SERVICE_NAMES = {
  catalogue: 'product catalogue',
  user: 'account',
  cart: 'shopping cart',
  shipping: 'shipping',
  ratings: 'ratings',
  payment: 'payment',
};

// Error texts the services send, said more kindly.
const FRIENDLY = {
  'out of stock': 'Sorry, this robot is out of stock.',
  'product not found': 'We could not find that robot in the catalogue.',
  'SKU not found': 'We could not find that robot in the catalogue.',
  'name already exists': 'That user name is already taken. Please choose another one.',
  'insufficient data': 'Please fill in your user name, email address and password.',
  'name or password not supplied': 'Please enter your user name and password.',
  'cart not valid': 'Your cart needs at least one robot and a shipping address before you can pay.',
  'city not found': 'We could not find that city. Please pick it again from the list.',
  'shipping data missing': 'The shipping details were incomplete. Please choose your city again.',
  'not in cart': 'That robot is no longer in your cart.',
  'cart not found': 'Your cart is empty or has expired.',
  'quantity has to be greater than zero': 'Please choose a quantity of at least 1.',
  'quantity must be a number': 'Please enter the quantity as a whole number.',
  'negative quantity not allowed': 'The quantity cannot be negative.',
  'the cart has changed: reload it and check it before paying':
    'Your cart changed since this page showed it. Please check it again before paying.',
};

export class ApiError extends Error {
  constructor(message, { status = 0, service = '', detail = '', data = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;     // HTTP status, 0 for a network failure
    this.service = service;
    this.detail = detail;     // the service's own error text, if any
    this.data = data;         // the whole answer body, parsed, if any
  }

  // The request was sent and no one can tell yet whether it took effect.
  get outcomeUnknown() {
    return this.status === 504 && this.detail === 'outcome unknown';
  }
}

function sentence(text) {
  const t = text.trim();
  if (!t) return t;
  return t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

function describe(status, service, detail) {
  const name = SERVICE_NAMES[service] || service;
  if (status === 504 && detail === 'outcome unknown')
    return `The ${name} service could not tell whether that went through.`;
  if (status === 502) return `The ${name} service can't be reached right now. Please try again in a moment.`;
  if (status === 503) return `The ${name} service is temporarily unavailable. Please try again in a moment.`;
  if (status === 504) return `The ${name} service took too long to answer. Please try again.`;
  if (status >= 500) return `Something went wrong in the ${name} service (error ${status}). Please try again.`;
  if (status === 413) return 'That was too much data to send in one go.';
  if (detail) return FRIENDLY[detail] || sentence(detail);
  if (status === 404) return 'We could not find what you were looking for.';
  return `The ${name} service could not do that (error ${status}).`;
}

// One call: api('cart', ['add', id, sku, 2]) -> GET /api/cart/add/<id>/<sku>/2.
// Each path segment is URL-encoded. Resolves to the parsed JSON (or text);
// rejects with an ApiError.
export async function api(service, segments, { method = 'GET', body } = {}) {
  const path = segments.map((s) => encodeURIComponent(String(s))).join('/');
  const headers = { Accept: 'application/json' };
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  init.signal = controller.signal;

  let res, text;
  try {
    res = await fetch(`/api/${service}/${path}`, init);
    text = await res.text();
  } catch (e) {
    const timedOut = e && e.name === 'AbortError';
    throw new ApiError(timedOut
      ? `The ${SERVICE_NAMES[service] || service} service took too long to answer. Please try again.`
      : 'We could not reach the shop. Please check your internet connection and try again.',
    { status: 0, service });
  } finally {
    clearTimeout(timer);
  }

  let data = text;
  try { data = text ? JSON.parse(text) : null; } catch { /* a plain-text answer such as OK */ }
  if (res.ok) return data;
  const detail = data && typeof data === 'object' && typeof data.error === 'string' ? data.error : '';
  throw new ApiError(describe(res.status, service, detail), { status: res.status, service, detail, data });
}

// A message for any thrown value, ApiError or not.
export function messageOf(err) {
  if (err instanceof ApiError) return err.message;
  console.error(err);
  return 'Something unexpected went wrong on this page. Please reload and try again.';
}
