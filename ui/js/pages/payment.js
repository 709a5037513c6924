// pages/payment.js - the last step: review the cart with its shipping line
// and pay (POST /api/payment/pay/:id with the cart); then the order id.

import { api, messageOf } from '../api.js';
import { forgetCart, loadCart, productLines, shippingLine } from '../cart.js';
import { busy, emptyState, orderSummary, pageTitle } from '../components.js';
import { h, formatPrice, route } from '../dom.js';
import { navigate, setTitle } from '../router.js';
import { currentUser, shopperId } from '../session.js';
import { signInThenReturn } from './account.js';
import { steps } from './checkout.js';

export const LAST_ORDER_KEY = 'rs.lastOrder';

export default async function paymentPage() {
  setTitle('Payment');
  const cart = await loadCart();
  if (!productLines(cart).length) {
    return h('div', null, steps(2), pageTitle('Payment'),
      emptyState('Your cart is empty', 'There is nothing to pay for yet.', h('a', { class: 'btn btn-primary', href: '#/' }, 'Start shopping')));
  }
  const ship = shippingLine(cart);
  if (!ship) {
    return h('div', null, steps(2), pageTitle('Payment'),
      emptyState('Where should we ship?', 'Please choose a shipping address before paying.',
        h('a', { class: 'btn btn-primary', href: '#/checkout' }, 'Choose shipping')));
  }

  const user = currentUser();
  const error = h('div', { class: 'inline-error', role: 'alert' });
  const pay = h('button', { type: 'button', class: 'btn btn-primary btn-large btn-block' }, `Pay ${formatPrice(cart.total)}`);
  // The order id of an attempt whose outcome was unknown: paying again
  // completes that same order, never a second one.
  let pending = null;
  const placed = (orderid) => {
    try { sessionStorage.setItem(LAST_ORDER_KEY, JSON.stringify({ orderid, cart })); } catch { /* shown without details */ }
    forgetCart();
    navigate(route('order', orderid));
  };
  pay.addEventListener('click', async () => {
    error.textContent = '';
    try {
      const result = await busy(pay, pending ? 'Checking…' : 'Paying…', async () => {
        const id = await shopperId();
        return api('payment', ['pay', id], { method: 'POST', body: cart });
      });
      if (!result || !result.orderid) throw new Error('no order id in the answer');
      placed(result.orderid);
    } catch (e) {
      if (e.outcomeUnknown && e.data && e.data.orderid) {
        pending = e.data.orderid;
        error.textContent = `We could not confirm your payment yet: your order ${pending} may already be placed. ` +
          'Press the button again in a moment to check; this completes the same order and never charges you twice.';
        pay.textContent = 'Check my payment';
      } else if (pending && e.status === 404 && e.detail === 'cart not found') {
        placed(pending);   // the cart was emptied: the order went through
      } else if (e.status === 409) {
        error.textContent = messageOf(e);
        loadCart().then(() => navigate('#/cart')).catch(() => {});
      } else {
        error.textContent = `${messageOf(e)} Your cart is still saved, so you can try again.`;
        loadCart().catch(() => {});
      }
    }
  });

  return h('div', { class: 'payment-page' },
    steps(2),
    pageTitle('Review and pay'),
    h('div', { class: 'checkout-layout' },
      h('section', { class: 'card form-card stack', 'aria-label': 'Payment' },
        h('h2', null, 'Payment'),
        h('p', null, `Your robots will be shipped to ${ship.name.replace(/^shipping to /, '')}. `,
          h('a', { href: '#/checkout' }, 'Change')),
        user ? h('p', null, `You are paying as ${user.name}; the order will appear in `, h('a', { href: '#/orders' }, 'your orders'), '.')
          : h('p', { class: 'note' }, 'You are checking out as a guest. ', h('a', { href: '#/login', onClick: () => signInThenReturn('#/pay') }, 'Sign in'), ' first to keep this order in your history.'),
        h('p', { class: 'muted small' }, 'This is a demonstration shop: no real money changes hands.'),
        error, pay),
      orderSummary(cart)));
}
