// pages/cart.js - the cart: change quantities, remove lines, see the
// totals and VAT exactly as the cart service computes them.

import { messageOf } from '../api.js';
import { loadCart, productLines, shippingLine, updateQuantity } from '../cart.js';
import { emptyState, pageTitle, totals } from '../components.js';
import { h, formatPrice, icon, ICONS, imageUrl, replace, route } from '../dom.js';
import { announce, notifyError, notifyInfo } from '../notify.js';
import { setTitle } from '../router.js';

const MAX_QTY = 99;

export default async function cartPage() {
  setTitle('Your cart');
  const root = h('div', { class: 'cart-page' });
  draw(root, await loadCart());
  return root;
}

// focusKey: the control that had focus before the redraw gets it back.
function draw(root, cart, focusKey = null) {
  const lines = productLines(cart);
  if (!lines.length) {
    replace(root, pageTitle('Your cart'),
      emptyState('Your cart is empty', 'Find a robot you like and add it to your cart.',
        h('a', { class: 'btn btn-primary', href: '#/' }, 'Start shopping')));
    return;
  }
  const itemsTotal = lines.reduce((s, i) => s + (Number(i.subtotal) || 0), 0);
  const count = lines.reduce((s, i) => s + (Number(i.qty) || 0), 0);

  replace(root,
    pageTitle('Your cart', `${count} ${count === 1 ? 'robot' : 'robots'} in your cart.`),
    h('div', { class: 'cart-layout' },
      h('ul', { class: 'cart-lines', 'aria-label': 'Robots in your cart' }, lines.map((item) => cartLine(root, item))),
      h('aside', { class: 'card summary' },
        h('h2', null, 'Summary'),
        totals(cart, itemsTotal, shippingLine(cart)),
        h('a', { class: 'btn btn-primary btn-block', href: '#/checkout' }, 'Go to checkout'),
        h('a', { class: 'btn btn-ghost btn-block', href: '#/' }, 'Continue shopping'))));
  if (focusKey) {
    const again = root.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again) again.focus(); else root.querySelector('h1')?.focus();
  }
}

function cartLine(root, item) {
  const id = `qty-${item.sku}`;
  const change = async (qty, controls) => {
    const focusKey = document.activeElement?.dataset?.focusKey || null;
    controls.forEach((c) => { c.disabled = true; });
    try {
      const cart = await updateQuantity(item.sku, qty);
      if (qty === 0) notifyInfo(`Removed ${item.name} from your cart.`);
      else announce(`${item.name}: quantity ${qty}. Cart total ${formatPrice(cart.total)}.`);
      draw(root, cart, focusKey);
    } catch (e) {
      notifyError(messageOf(e));
      controls.forEach((c) => { c.disabled = false; });
      try { draw(root, await loadCart(), focusKey); } catch { /* the error is already shown */ }
    }
  };

  const input = h('input', { id, type: 'number', inputmode: 'numeric', min: 0, max: MAX_QTY, step: 1, value: String(item.qty), class: 'qty-input', 'data-focus-key': `in-${item.sku}` });
  const minus = h('button', { type: 'button', class: 'qty-step', 'aria-label': `One fewer ${item.name}`, 'data-focus-key': `minus-${item.sku}` }, '−');
  const plus = h('button', { type: 'button', class: 'qty-step', 'aria-label': `One more ${item.name}`, disabled: item.qty >= MAX_QTY, 'data-focus-key': `plus-${item.sku}` }, '+');
  const remove = h('button', { type: 'button', class: 'btn-remove', 'aria-label': `Remove ${item.name} from cart`, 'data-focus-key': `remove-${item.sku}` }, icon(ICONS.trash), h('span', null, 'Remove'));
  const controls = [input, minus, plus, remove];

  minus.addEventListener('click', () => change(Math.max(0, item.qty - 1), controls));
  plus.addEventListener('click', () => change(item.qty + 1, controls));
  remove.addEventListener('click', () => change(0, controls));
  input.addEventListener('change', () => {
    const n = Number(input.value);
    if (!Number.isInteger(n) || n < 0 || n > MAX_QTY) {
      notifyError(`Please enter a quantity from 0 to ${MAX_QTY} for ${item.name}.`);
      input.value = String(item.qty);
      return;
    }
    if (n !== item.qty) change(n, controls);
  });

  return h('li', { class: 'cart-line card' },
    h('img', { class: 'line-img', src: imageUrl(item.sku), alt: '', width: 88, height: 88 }),
    h('div', { class: 'line-info' },
      h('h2', { class: 'line-name' }, h('a', { href: route('product', item.sku) }, item.name)),
      h('p', { class: 'muted small' }, `${formatPrice(item.price)} each`)),
    h('div', { class: 'line-qty' },
      h('label', { for: id, class: 'sr-only' }, `Quantity of ${item.name}`),
      h('div', { class: 'stepper' }, minus, input, plus),
      remove),
    h('p', { class: 'line-subtotal' }, formatPrice(item.subtotal)));
}
