// pages/history.js - a signed-in user's past orders
// (GET /api/user/history/:name; 404 means none yet).

import { api } from '../api.js';
import { emptyState, orderSummary, pageTitle } from '../components.js';
import { h } from '../dom.js';
import { setTitle } from '../router.js';
import { currentUser } from '../session.js';
import { signInThenReturn, signOutNow } from './account.js';

export default async function historyPage() {
  setTitle('Your orders');
  const user = currentUser();
  if (!user) {
    signInThenReturn('#/orders');
    return h('div', null, pageTitle('Your orders'),
      emptyState('Please sign in', 'Sign in to see the orders you have placed.',
        h('a', { class: 'btn btn-primary', href: '#/login' }, 'Sign in')));
  }
  let orders = [];
  try {
    const r = await api('user', ['history', user.name]);
    orders = Array.isArray(r && r.history) ? r.history.slice().reverse() : [];
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  const who = h('p', { class: 'account-line' }, 'Signed in as ', h('strong', null, user.name), '. ',
    h('button', { type: 'button', class: 'link-button', onClick: signOutNow }, 'Sign out'));
  if (!orders.length) {
    return h('div', null, pageTitle('Your orders'), who,
      emptyState('No orders yet', 'When you buy a robot, your order will show up here.',
        h('a', { class: 'btn btn-primary', href: '#/' }, 'Start shopping')));
  }
  return h('div', { class: 'history-page' },
    pageTitle('Your orders', `${orders.length} ${orders.length === 1 ? 'order' : 'orders'}, newest first.`), who,
    h('ol', { class: 'order-list' }, orders.map((o) =>
      h('li', null, orderSummary(o.cart || { total: 0, tax: 0, items: [] }, { heading: `Order ${o.orderid}` })))));
}
