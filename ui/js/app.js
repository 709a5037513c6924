// app.js - the entry module: wires up routes, the header (search, account
// links, cart count, categories) and loads the shopper's cart.

import { messageOf } from './api.js';
import { itemCount, loadCart } from './cart.js';
import { cleanSearch, getCategories } from './catalogue.js';
import { h, replace, route } from './dom.js';
import { clearInfo, notifyError } from './notify.js';
import { addRoute, navigate, startRouter } from './router.js';
import { currentUser } from './session.js';

import homePage from './pages/home.js';
import categoryPage, { allRobotsPage } from './pages/category.js';
import productPage from './pages/product.js';
import searchPage from './pages/search.js';
import cartPage from './pages/cart.js';
import { loginPage, registerPage, signOutNow } from './pages/account.js';
import checkoutPage from './pages/checkout.js';
import paymentPage from './pages/payment.js';
import orderPage from './pages/order.js';
import historyPage from './pages/history.js';
import notFoundPage from './pages/notfound.js';

addRoute('', homePage);
addRoute('robots', allRobotsPage);
addRoute('category/:name', categoryPage);
addRoute('product/:sku', productPage);
addRoute('search/:text', searchPage);
addRoute('search', searchPage);
addRoute('cart', cartPage);
addRoute('login', loginPage);
addRoute('register', registerPage);
addRoute('checkout', checkoutPage);
addRoute('pay', paymentPage);
addRoute('order/:id', orderPage);
addRoute('orders', historyPage);
addRoute('404', notFoundPage);

function renderCartCount(cart) {
  const n = itemCount(cart);
  document.getElementById('cart-count').textContent = String(n);
  document.getElementById('cart-link').setAttribute('aria-label', `Cart, ${n} ${n === 1 ? 'item' : 'items'}`);
}

function renderAccount() {
  const user = currentUser();
  const list = document.getElementById('account-links');
  if (!user) {
    replace(list, h('li', null, h('a', { href: '#/login', class: 'nav-link' }, 'Sign in')));
    return;
  }
  replace(list,
    h('li', { class: 'who' }, 'Hi, ', h('strong', null, user.name)),
    h('li', null, h('a', { href: '#/orders', class: 'nav-link' }, h('span', { class: 'wide-only' }, 'My orders'), h('span', { class: 'narrow-only' }, 'Orders'))),
    h('li', { class: 'wide-only' }, h('button', {
      type: 'button', class: 'nav-link link-button', 'aria-label': `Sign out ${user.name}`, onClick: signOutNow,
    }, 'Sign out')));
}

let categoriesShown = false;
async function renderCategories() {
  const list = document.getElementById('category-links');
  try {
    const cats = await getCategories();
    categoriesShown = true;
    replace(list, h('li', null, h('a', { href: '#/robots' }, 'All robots')),
      cats.map((c) => h('li', null, h('a', { href: route('category', c) }, c))));
    markCurrentCategory();
  } catch (e) {
    replace(list, h('li', { class: 'muted' }, 'Categories could not be loaded. ',
      h('button', { type: 'button', class: 'link-button', onClick: renderCategories }, 'Try again')));
  }
}

function markCurrentCategory() {
  for (const a of document.querySelectorAll('#category-links a')) {
    if (a.getAttribute('href') === location.hash) {
      a.setAttribute('aria-current', 'page');
    } else a.removeAttribute('aria-current');
  }
}

function wireHeader() {
  const form = document.getElementById('search-form');
  const input = document.getElementById('search-input');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = cleanSearch(input.value);
    if (!text) { input.focus(); return; }
    navigate(route('search', text));
  });
  document.getElementById('skip-link').addEventListener('click', (ev) => {
    ev.preventDefault();
    const main = document.getElementById('main');
    (main.querySelector('h1') || main).focus();
  });
  window.addEventListener('hashchange', clearInfo);
  document.addEventListener('rs:route', (ev) => {
    markCurrentCategory();
    if (!categoriesShown) renderCategories();   // the catalogue may be back
    if (!String(ev.detail).startsWith('search')) input.value = '';
  });
  window.addEventListener('rs:cart', (ev) => renderCartCount(ev.detail));
  window.addEventListener('rs:user', renderAccount);
  // Another tab signed in or out.
  window.addEventListener('storage', (ev) => { if (ev.key === 'rs.user') { renderAccount(); loadCart().catch(() => {}); } });
}

// Errors nobody caught still reach the person.
window.addEventListener('unhandledrejection', (ev) => { notifyError(messageOf(ev.reason)); });

wireHeader();
renderAccount();
renderCategories();
loadCart().catch((e) => notifyError(`Your cart could not be loaded. ${messageOf(e)}`));
startRouter(document.getElementById('main'));
