// dom.js - small helpers to build DOM nodes safely (text is never parsed
// as HTML) and to format prices.

const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'className', 'textContent']);

// h('a', { href: '#/', class: 'x', onClick: fn }, 'text', child, [more]).
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, val] of Object.entries(props || {})) {
    if (val === null || val === undefined || val === false) continue;
    if (key === 'class') el.className = val;
    else if (/^on[A-Z]/.test(key) && typeof val === 'function') el.addEventListener(key.slice(2).toLowerCase(), val);
    else if (PROPS.has(key)) el[key] = val;
    else el.setAttribute(key, val === true ? '' : String(val));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Replaces all children of el.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// An inline SVG icon from a few path strings (no external sprite needed).
export function icon(paths, label) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  if (label) { svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', label); } else svg.setAttribute('aria-hidden', 'true');
  for (const d of [].concat(paths)) {
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', d);
    svg.append(p);
  }
  return svg;
}

export const ICONS = {
  cart: ['M3 4h2l2.4 11.2a2 2 0 0 0 2 1.6h7.7a2 2 0 0 0 2-1.5L21 8H6.2', 'M10 21a1 1 0 1 0 0-2 1 1 0 0 0 0 2z', 'M18 21a1 1 0 1 0 0-2 1 1 0 0 0 0 2z'],
  user: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 21a8 8 0 0 1 16 0'],
  search: ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M21 21l-5-5'],
  trash: ['M4 7h16', 'M9 7V4h6v3', 'M6 7l1 13h10l1-13'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
};

const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' });
export const formatPrice = (n) => money.format(Number(n) || 0);

export const imageUrl = (sku) => `/images/${encodeURIComponent(sku)}.svg`;

// A hash link to a route: route('product', sku) -> "#/product/RB-..".
export const route = (...parts) => '#/' + parts.map((p) => encodeURIComponent(p)).join('/');
