// session.js - who is shopping: an anonymous id from GET /api/user/uniqueid
// (kept in localStorage) or, after login, the user, whose name is the cart
// id. Announces changes with the "rs:user" event.

import { api } from './api.js';

const KEY_ANON = 'rs.anonymousId';
const KEY_USER = 'rs.user';
const memory = {};   // used when localStorage is not available

function load(key) {
  try { return localStorage.getItem(key); } catch { return memory[key] ?? null; }
}
function save(key, value) {
  try {
    if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value);
  } catch {
    if (value === null) delete memory[key]; else memory[key] = value;
  }
}

export function currentUser() {
  try { return JSON.parse(load(KEY_USER)); } catch { return null; }
}

let pending = null;
let fresh = false;   // the anonymous id was issued on this page load, no cart yet

export const isFreshAnonymous = () => fresh && !currentUser();
export const markCartUsed = () => { fresh = false; };

// The anonymous id, fetched once and kept.
export async function anonymousId() {
  const known = load(KEY_ANON);
  if (known) return known;
  if (!pending) {
    pending = api('user', ['uniqueid'])
      .then((r) => {
        if (!r || typeof r.uuid !== 'string') throw new Error('no uuid in answer');
        save(KEY_ANON, r.uuid);
        fresh = true;
        return r.uuid;
      })
      .finally(() => { pending = null; });
  }
  return pending;
}

// The id the cart is kept under.
export async function shopperId() {
  const user = currentUser();
  return user ? user.name : anonymousId();
}

export function setUser(user) {
  save(KEY_USER, user ? JSON.stringify({ name: user.name, email: user.email || '' }) : null);
  window.dispatchEvent(new CustomEvent('rs:user', { detail: currentUser() }));
}

// Signing out starts a fresh anonymous session.
export function signOut() {
  save(KEY_ANON, null);
  setUser(null);
}

// Small per-browser memory of the votes cast here, keyed by SKU.
export function myVote(sku) {
  try { return JSON.parse(load('rs.votes') || '{}')[sku] || 0; } catch { return 0; }
}
export function rememberVote(sku, score) {
  let votes = {};
  try { votes = JSON.parse(load('rs.votes') || '{}'); } catch { /* start again */ }
  votes[sku] = score;
  save('rs.votes', JSON.stringify(votes));
}
