// components.js - pieces shared by several pages: product cards, star
// ratings, stock badges, error panels, empty states, the order summary.

import { messageOf } from './api.js';
import { h, formatPrice, imageUrl, route } from './dom.js';
import { productLines, shippingLine } from './cart.js';

export function stockState(instock) {
  const n = Number(instock) || 0;
  if (n <= 0) return { cls: 'out', text: 'Out of stock' };
  if (n <= 5) return { cls: 'low', text: `Only ${n} left` };
  return { cls: 'in', text: 'In stock' };
}

export function stockBadge(instock) {
  const s = stockState(instock);
  return h('span', { class: `badge badge-${s.cls}` }, s.text);
}

export function productCard(p) {
  return h('article', { class: 'card product-card' },
    h('div', { class: 'card-media' },
      h('img', { src: imageUrl(p.sku), alt: '', width: 240, height: 240, loading: 'lazy', decoding: 'async' })),
    h('div', { class: 'card-body' },
      h('h3', { class: 'card-title' }, h('a', { href: route('product', p.sku), class: 'stretched' }, p.name)),
      h('p', { class: 'card-text' }, p.description),
      h('div', { class: 'card-foot' },
        h('span', { class: 'price' }, formatPrice(p.price)),
        stockBadge(p.instock))));
}

export function productGrid(products) {
  return h('div', { class: 'grid' }, products.map(productCard));
}

// Five stars, filled to the average (rounded to halves), for show only.
export function stars(avg) {
  const halves = Math.round((Number(avg) || 0) * 2);
  const row = h('span', { class: 'stars', 'aria-hidden': 'true' });
  for (let i = 1; i <= 5; i++) {
    const kind = halves >= i * 2 ? 'full' : halves === i * 2 - 1 ? 'half' : 'empty';
    row.append(h('span', { class: `star star-${kind}` }, '★'));
  }
  return row;
}

export function ratingSummary(r) {
  const count = Number(r && r.rating_count) || 0;
  if (!count) return h('p', { class: 'rating-summary muted' }, stars(0), ' Not rated yet — be the first!');
  const avg = Number(r.avg_rating) || 0;
  const text = `${avg.toFixed(1)} out of 5 from ${count} ${count === 1 ? 'vote' : 'votes'}`;
  return h('p', { class: 'rating-summary' }, stars(avg), ' ', h('span', null, text));
}

export function pageTitle(text, sub) {
  return h('header', { class: 'page-head' },
    h('h1', { tabindex: '-1' }, text),
    sub ? h('p', { class: 'lead' }, sub) : null);
}

export function breadcrumbs(...all) {
  const links = all.filter(Boolean);
  return h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
    h('ol', null, links.map(([text, href], i) =>
      h('li', null, href && i < links.length - 1 ? h('a', { href }, text) : h('span', { 'aria-current': 'page' }, text)))));
}

// Shown in place of a page whose data could not be loaded.
export function errorPanel(err, retry) {
  return h('section', { class: 'panel panel-error', role: 'alert' },
    h('h1', { tabindex: '-1' }, 'Sorry, something went wrong'),
    h('p', null, messageOf(err)),
    h('div', { class: 'actions' },
      retry ? h('button', { type: 'button', class: 'btn btn-primary', onClick: retry }, 'Try again') : null,
      h('a', { class: 'btn btn-ghost', href: '#/' }, 'Go to the home page')));
}

export function emptyState(title, text, action) {
  return h('section', { class: 'panel panel-empty' },
    h('img', { src: '/images/placeholder.svg', alt: '', width: 120, height: 120 }),
    h('h2', null, title),
    text ? h('p', null, text) : null,
    action || null);
}

// A button that shows it is busy while an async action runs.
export async function busy(button, label, fn) {
  const old = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  if (label) button.textContent = label;
  try { return await fn(); } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    if (label) button.textContent = old;
  }
}

// Lines, shipping, total and VAT of a cart (read only).
export function orderSummary(cart, { heading = 'Order summary' } = {}) {
  const ship = shippingLine(cart);
  const lines = productLines(cart);
  const itemsTotal = lines.reduce((s, i) => s + (Number(i.subtotal) || 0), 0);
  return h('section', { class: 'summary card', 'aria-label': heading },
    h('h2', null, heading),
    h('ul', { class: 'summary-lines' }, lines.map((i) =>
      h('li', null,
        h('img', { src: imageUrl(i.sku), alt: '', width: 40, height: 40 }),
        h('span', { class: 'grow' }, `${i.qty} × ${i.name}`),
        h('span', null, formatPrice(i.subtotal))))),
    totals(cart, itemsTotal, ship));
}

export function totals(cart, itemsTotal, ship) {
  return h('dl', { class: 'totals' },
    h('div', null, h('dt', null, 'Robots'), h('dd', null, formatPrice(itemsTotal))),
    h('div', null, h('dt', null, ship ? ship.name.replace(/^shipping/, 'Shipping') : 'Shipping'),
      h('dd', null, ship ? formatPrice(ship.subtotal) : 'calculated at checkout')),
    h('div', { class: 'total' }, h('dt', null, 'Total'), h('dd', null, formatPrice(cart.total))),
    h('div', { class: 'tax' }, h('dt', null, 'Includes VAT (20%)'), h('dd', null, formatPrice(cart.tax))));
}
