// cart.js - the shopper's cart: loads it from the cart service, adds,
// changes quantities and keeps the last known copy. Every change announces
// itself with the "rs:cart" event (the header's count listens).

import { api } from './api.js';
import { isFreshAnonymous, markCartUsed, shopperId } from './session.js';

export const SHIPPING_SKU = 'SHIP';
const EMPTY = { total: 0, tax: 0, items: [] };
let current = EMPTY;

function normalise(c) {
  if (!c || typeof c !== 'object') return EMPTY;
  return { total: Number(c.total) || 0, tax: Number(c.tax) || 0, items: Array.isArray(c.items) ? c.items : [] };
}

function publish(cart) {
  current = cart;
  window.dispatchEvent(new CustomEvent('rs:cart', { detail: current }));
  return cart;
}

// Answers can arrive out of order (a sign-out while the old cart loads, two
// quick adds): only the answer to the newest request becomes the cart.
let newest = 0;

function setCart(c) {
  newest++;
  return publish(normalise(c));
}

// Runs call(), a request whose answer is a cart, and returns that cart;
// it becomes the current cart unless a newer request was made meanwhile.
export async function cartAnswer(call) {
  const mine = ++newest;
  const cart = normalise(await call());
  if (mine === newest) publish(cart);
  return cart;
}

export const lastCart = () => current;

export const productLines = (c = current) => ((c && c.items) || []).filter((i) => i.sku !== SHIPPING_SKU);
export const shippingLine = (c = current) => ((c && c.items) || []).find((i) => i.sku === SHIPPING_SKU) || null;
export const itemCount = (c = current) => productLines(c).reduce((n, i) => n + (Number(i.qty) || 0), 0);

// The cart from the service; a cart that does not exist yet is empty.
export async function loadCart() {
  const id = await shopperId();
  if (isFreshAnonymous()) return setCart(EMPTY);
  return cartAnswer(() => api('cart', ['cart', id]).catch((e) => {
    if (e.status === 404) return EMPTY;
    throw e;
  }));
}

// A change whose outcome is unknown (the cart's store hung) may still be
// made: never sent again, the cart is read back instead and shown as it is.
async function rereadAfterUnknown(e) {
  if (!e.outcomeUnknown) return;
  await loadCart().catch(() => {});
  e.message = 'We could not tell whether your cart was changed. It now shows what it holds; please check it before changing it again.';
}

export async function addToCart(sku, qty) {
  const id = await shopperId();
  markCartUsed();
  try {
    return await cartAnswer(() => api('cart', ['add', id, sku, qty]));
  } catch (e) {
    await rereadAfterUnknown(e);
    throw e;
  }
}

// qty 0 removes the line. A cart that expired meanwhile is reloaded.
export async function updateQuantity(sku, qty) {
  const id = await shopperId();
  try {
    return await cartAnswer(() => api('cart', ['update', id, sku, qty]));
  } catch (e) {
    if (e.status === 404) await loadCart().catch(() => {});
    await rereadAfterUnknown(e);
    throw e;
  }
}

// After login: the anonymous cart joins the user's. Returns the merged cart,
// or null when there was no anonymous cart.
export async function mergeCart(fromId, toName) {
  try {
    return await cartAnswer(() => api('cart', ['rename', fromId, toName]));
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

export const forgetCart = () => setCart(EMPTY);
