// pages/product.js - one robot: image, description, price, stock, its
// average rating with a 1-5 vote, and quantity + add to cart (disabled
// when out of stock).

import { api, messageOf } from '../api.js';
import { addToCart } from '../cart.js';
import { getProduct } from '../catalogue.js';
import { breadcrumbs, busy, ratingSummary, stockState } from '../components.js';
import { h, formatPrice, imageUrl, replace, route } from '../dom.js';
import { notifyError, notifyInfo } from '../notify.js';
import { setTitle } from '../router.js';
import { myVote, rememberVote } from '../session.js';

const MAX_QTY = 99;

function ratingBlock(product) {
  const summary = h('div', { class: 'rating-current' }, h('p', { class: 'muted' }, 'Loading rating…'));
  const note = h('p', { class: 'vote-note', 'aria-live': 'polite' });
  const buttons = [];

  const show = async () => {
    try {
      replace(summary, ratingSummary(await api('ratings', ['api', 'fetch', product.sku])));
    } catch (e) {
      replace(summary, h('p', { class: 'inline-error' }, `The rating could not be loaded. ${messageOf(e)}`));
    }
  };
  const mark = (score) => buttons.forEach((b, i) => {
    b.setAttribute('aria-pressed', String(i + 1 === score));
    b.classList.toggle('lit', i < score);
  });

  const vote = async (score) => {
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await api('ratings', ['api', 'rate', product.sku, score], { method: 'PUT' });
      rememberVote(product.sku, score);
      mark(score);
      note.textContent = `Thank you! You gave ${product.name} ${score} out of 5.`;
      await show();
    } catch (e) {
      notifyError(`Your vote was not counted. ${messageOf(e)}`);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  };

  for (let s = 1; s <= 5; s++) {
    buttons.push(h('button', {
      type: 'button', class: 'vote-star', 'aria-label': `${s} out of 5`, 'aria-pressed': 'false',
      onClick: () => vote(s),
    }, '★'));
  }
  const voteRow = h('div', { class: 'vote-row', role: 'group', 'aria-labelledby': 'vote-label' }, buttons);
  // Light the stars up to the one under the pointer or focus.
  voteRow.addEventListener('pointerover', (ev) => {
    const i = buttons.indexOf(ev.target.closest('.vote-star'));
    if (i >= 0) buttons.forEach((b, j) => b.classList.toggle('hover', j <= i));
  });
  voteRow.addEventListener('pointerleave', () => buttons.forEach((b) => b.classList.remove('hover')));
  mark(myVote(product.sku));
  const previous = myVote(product.sku);
  if (previous) note.textContent = `You rated this robot ${previous} out of 5. You can change your vote.`;
  show();

  return h('section', { class: 'rating-block', 'aria-label': 'Rating' },
    summary,
    h('div', { class: 'vote' }, h('span', { id: 'vote-label', class: 'vote-label' }, 'Your rating:'), voteRow),
    note);
}

function buyBlock(product) {
  const stock = stockState(product.instock);
  const soldOut = stock.cls === 'out';
  const max = Math.max(1, Math.min(MAX_QTY, Number(product.instock) || 1));
  const qty = h('input', { id: 'qty', type: 'number', inputmode: 'numeric', min: 1, max, step: 1, value: '1', disabled: soldOut, class: 'qty-input' });
  const button = h('button', { type: 'submit', class: 'btn btn-primary btn-large', disabled: soldOut }, soldOut ? 'Out of stock' : 'Add to cart');
  const error = h('p', { class: 'inline-error', id: 'qty-error', role: 'alert' });

  const form = h('form', { class: 'buy-form', action: '/', 'aria-describedby': 'stock-text',
    onSubmit: async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      const n = Number(qty.value);
      if (!Number.isInteger(n) || n < 1 || n > max) {
        error.textContent = `Please choose a quantity from 1 to ${max}.`;
        qty.focus();
        return;
      }
      try {
        await busy(button, 'Adding…', () => addToCart(product.sku, n));
        notifyInfo(`Added ${n} × ${product.name} to your cart.`);
      } catch (e) {
        error.textContent = messageOf(e);
      }
    } },
  h('div', { class: 'qty-field' }, h('label', { for: 'qty' }, 'Quantity'), qty),
  button);

  return h('div', { class: 'buy' },
    h('p', { class: 'price price-large' }, formatPrice(product.price), h('span', { class: 'muted small' }, ' incl. VAT')),
    h('p', { class: `stock stock-${stock.cls}`, id: 'stock-text' },
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      soldOut ? 'Out of stock — this robot cannot be ordered right now.'
        : stock.cls === 'low' ? `Only ${product.instock} left in stock — order soon.`
          : `In stock (${product.instock} available), ready to ship.`),
    form, error,
    h('p', null, h('a', { href: '#/cart' }, 'View your cart →')));
}

export default async function productPage({ sku }) {
  let product;
  try {
    product = await getProduct(sku);
  } catch (e) {
    if (e.status === 404) {
      setTitle('Robot not found');
      return h('section', { class: 'panel panel-empty' },
        h('h1', { tabindex: '-1' }, 'We could not find that robot'),
        h('p', null, `There is no robot “${sku}” in our catalogue.`),
        h('a', { class: 'btn btn-primary', href: '#/' }, 'Back to the shop'));
    }
    throw e;
  }
  setTitle(product.name);
  const cat = (product.categories || [])[0];
  return h('div', { class: 'product-page' },
    breadcrumbs(['Shop', '#/'], cat ? [cat, route('category', cat)] : null, [product.name]),
    h('div', { class: 'product-layout' },
      h('div', { class: 'product-media card' },
        h('img', { src: imageUrl(product.sku), alt: `Illustration of ${product.name}`, width: 480, height: 480 })),
      h('div', { class: 'product-info' },
        h('h1', { tabindex: '-1' }, product.name),
        h('p', { class: 'tags' }, (product.categories || []).map((c) => h('a', { class: 'tag', href: route('category', c) }, c))),
        h('p', { class: 'description' }, product.description),
        ratingBlock(product),
        buyBlock(product),
        h('p', { class: 'muted small' }, `Article number ${product.sku}`))));
}
