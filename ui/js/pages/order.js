// pages/order.js - the confirmation after paying: the order id and what
// was ordered (kept in sessionStorage by the payment page).

import { orderSummary, pageTitle } from '../components.js';
import { h } from '../dom.js';
import { setTitle } from '../router.js';
import { currentUser } from '../session.js';
import { steps } from './checkout.js';
import { LAST_ORDER_KEY } from './payment.js';

export default async function orderPage({ id }) {
  setTitle('Thank you');
  let last = null;
  try { last = JSON.parse(sessionStorage.getItem(LAST_ORDER_KEY) || 'null'); } catch { /* no details */ }
  const details = last && last.orderid === id ? last.cart : null;
  const user = currentUser();
  return h('div', { class: 'order-page' },
    steps(3),
    h('section', { class: 'card confirmation' },
      h('img', { src: '/images/RB-PEBBLE-5.svg', alt: '', width: 120, height: 120 }),
      pageTitle('Thank you for your order!', 'Your robots are being prepared for shipping.'),
      h('p', null, 'Your order number is'),
      h('p', { class: 'order-id' }, h('code', null, id)),
      h('div', { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: '#/' }, 'Continue shopping'),
        user ? h('a', { class: 'btn btn-ghost', href: '#/orders' }, 'See your orders') : null)),
    details ? orderSummary(details, { heading: 'What you ordered' }) : null);
}
