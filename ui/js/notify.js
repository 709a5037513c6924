// notify.js - messages for the person: toasts in two aria-live regions
// (polite for news, assertive for errors). Errors stay until dismissed;
// news fades after a few seconds.

import { h, icon, ICONS } from './dom.js';

const MAX = 3;
const INFO_MS = 5000;

function region(kind) {
  return document.getElementById(kind === 'error' ? 'alerts' : 'status');
}

function show(kind, text) {
  const box = region(kind);
  if (!box) return;
  // The same error twice in a row: keep one.
  const last = box.lastElementChild;
  if (last && last.dataset.text === text) return;
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss message', onClick: () => toast.remove() },
    icon(ICONS.close));
  const toast = h('div', { class: `toast toast-${kind}`, 'data-text': text, 'data-born': Date.now() },
    h('p', null, text), close);
  box.append(toast);
  while (box.children.length > MAX) box.firstElementChild.remove();
  if (kind !== 'error') setTimeout(() => toast.remove(), INFO_MS);
}

export const notifyInfo = (text) => show('info', text);

// Said to screen readers only (for small changes that are visible anyway).
export function announce(text) {
  const box = document.getElementById('announce');
  if (!box) return;
  box.textContent = '';
  setTimeout(() => { box.textContent = text; }, 50);
}
export const notifyError = (text) => show('error', text);

// News about the page being left goes with it (news of the move itself,
// such as "Welcome", stays).
export function clearInfo() {
  const now = Date.now();
  for (const t of [...(region('info')?.children || [])]) {
    if (now - Number(t.dataset.born) > 1000) t.remove();
  }
}

export function clearErrors() {
  region('error')?.replaceChildren();
}
