// pages/checkout.js - where to ship: a country from /api/shipping/codes, a
// city found by autocomplete (/match after 3 letters), the cost from /calc,
// then /confirm puts the shipping line into the cart and payment follows.

import { api, messageOf } from '../api.js';
import { cartAnswer, loadCart, productLines } from '../cart.js';
import { busy, emptyState, orderSummary, pageTitle } from '../components.js';
import { h, formatPrice, replace } from '../dom.js';
import { navigate, setTitle } from '../router.js';
import { shopperId } from '../session.js';

const MIN_LETTERS = 3;
const DEBOUNCE_MS = 250;

export function steps(current) {
  const names = ['Cart', 'Shipping', 'Payment', 'Done'];
  const links = ['#/cart', '#/checkout', '#/pay', null];
  return h('nav', { class: 'steps', 'aria-label': 'Checkout steps' },
    h('ol', null, names.map((n, i) => {
      const label = h('span', { class: 'step-label' }, n, i < current ? h('span', { class: 'sr-only' }, ' (done)') : null);
      return h('li', { class: i < current ? 'done' : i === current ? 'current' : '' },
        i < current && links[i] ? h('a', { href: links[i] }, label)
          : h('span', { 'aria-current': i === current ? 'step' : null }, label));
    })));
}

// An accessible combobox for the city (WAI-ARIA combobox + listbox).
function cityPicker(onPick) {
  const input = h('input', {
    id: 'city', type: 'text', role: 'combobox', autocomplete: 'off', spellcheck: 'false', disabled: true,
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': 'city-list', 'aria-describedby': 'city-hint',
    placeholder: 'Choose a country first', maxlength: 64,
  });
  const list = h('ul', { id: 'city-list', role: 'listbox', class: 'listbox', hidden: true, 'aria-label': 'Matching cities' });
  const hint = h('p', { id: 'city-hint', class: 'hint', 'aria-live': 'polite' }, `Type at least ${MIN_LETTERS} letters of the city.`);
  let country = null;
  let options = [];
  let active = -1;
  let timer = 0;
  let seq = 0;

  const close = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); input.removeAttribute('aria-activedescendant'); active = -1; };
  const setActive = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', list.children[i].id);
      list.children[i].scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };
  const pick = (i) => {
    const city = options[i];
    if (!city) return;
    input.value = city.name;
    close();
    hint.textContent = `${city.name}${city.region ? `, ${city.region}` : ''} selected.`;
    onPick(city);
  };

  const lookUp = async (text) => {
    const mine = ++seq;
    hint.textContent = 'Searching…';
    try {
      const found = await api('shipping', ['match', country.code, text]);
      if (mine !== seq) return;
      options = Array.isArray(found) ? found : [];
      replace(list, options.map((c, i) => h('li', {
        id: `city-opt-${i}`, role: 'option', 'aria-selected': 'false', class: 'option',
        onMousedown: (ev) => ev.preventDefault(),   // keep focus in the input
        onClick: () => pick(i),
      }, h('span', null, c.name), c.region ? h('span', { class: 'muted small' }, ` ${c.region}`) : null)));
      if (options.length) {
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
        hint.textContent = `${options.length} ${options.length === 1 ? 'city matches' : 'cities match'}. Use the arrow keys to choose.`;
      } else {
        close();
        hint.textContent = `No city in ${country.name} starts with “${text}”.`;
      }
      setActive(-1);
    } catch (e) {
      if (mine !== seq) return;
      close();
      hint.textContent = `Cities could not be looked up. ${messageOf(e)}`;
      hint.classList.add('inline-error');
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    hint.classList.remove('inline-error');
    onPick(null);
    const text = input.value.trim();
    if (text.length < MIN_LETTERS) {
      seq++;
      close();
      hint.textContent = `Type at least ${MIN_LETTERS} letters of the city.`;
      return;
    }
    timer = setTimeout(() => lookUp(text), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (ev) => {
    const open = !list.hidden && options.length;
    if (ev.key === 'ArrowDown' && options.length) {
      ev.preventDefault();
      if (list.hidden) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); }
      setActive(Math.min(options.length - 1, active + 1));
    } else if (ev.key === 'ArrowUp' && open) {
      ev.preventDefault();
      setActive(Math.max(0, active - 1));
    } else if (ev.key === 'Enter' && open) {
      ev.preventDefault();
      pick(active >= 0 ? active : 0);
    } else if (ev.key === 'Escape' && open) {
      ev.preventDefault();
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));

  return {
    node: h('div', { class: 'field combo' }, h('label', { for: 'city' }, 'City'), h('div', { class: 'combo-box' }, input, list), hint),
    setCountry(c) {
      country = c;
      seq++;
      options = [];
      input.value = '';
      close();
      input.disabled = !c;
      input.placeholder = c ? `Start typing a city in ${c.name}` : 'Choose a country first';
      hint.textContent = `Type at least ${MIN_LETTERS} letters of the city.`;
      onPick(null);
    },
  };
}

export default async function checkoutPage() {
  setTitle('Checkout');
  const [cart, codes] = await Promise.all([loadCart(), api('shipping', ['codes'])]);
  if (!productLines(cart).length) {
    return h('div', null, steps(1), pageTitle('Checkout'),
      emptyState('Your cart is empty', 'Add a robot to your cart before checking out.',
        h('a', { class: 'btn btn-primary', href: '#/' }, 'Start shopping')));
  }

  let country = null;
  let city = null;
  let quote = null;
  let quoteSeq = 0;
  const result = h('div', { class: 'quote', 'aria-live': 'polite' });
  const error = h('p', { class: 'inline-error', role: 'alert' });
  const next = h('button', { type: 'submit', class: 'btn btn-primary btn-block', disabled: true }, 'Continue to payment');

  const picker = cityPicker(async (c) => {
    city = c;
    quote = null;
    next.disabled = true;
    error.textContent = '';
    replace(result);
    if (!c) return;
    const mine = ++quoteSeq;
    replace(result, h('p', { class: 'muted' }, 'Working out the shipping cost…'));
    try {
      const q = await api('shipping', ['calc', c.uuid]);
      if (mine !== quoteSeq) return;
      quote = q;
      replace(result, h('dl', { class: 'quote-box' },
        h('div', null, h('dt', null, 'Ship to'), h('dd', null, `${c.name}${c.region ? `, ${c.region}` : ''}, ${country.name}`)),
        h('div', null, h('dt', null, 'Distance'), h('dd', null, `${Number(q.distance).toLocaleString('en-GB')} km`)),
        h('div', null, h('dt', null, 'Shipping cost'), h('dd', { class: 'strong' }, formatPrice(q.cost)))));
      next.disabled = false;
    } catch (e) {
      if (mine !== quoteSeq) return;
      replace(result);
      error.textContent = `The shipping cost could not be worked out. ${messageOf(e)}`;
    }
  });

  const select = h('select', { id: 'country', required: true },
    h('option', { value: '' }, 'Choose a country…'),
    codes.map((c) => h('option', { value: c.code }, c.name)));
  select.addEventListener('change', () => {
    country = codes.find((c) => c.code === select.value) || null;
    picker.setCountry(country);
  });

  const form = h('form', { class: 'stack', action: '/', novalidate: true,
    onSubmit: async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      if (!country) { error.textContent = 'Please choose a country.'; select.focus(); return; }
      if (!city || !quote) { error.textContent = 'Please choose your city from the list.'; document.getElementById('city').focus(); return; }
      const body = { distance: quote.distance, cost: quote.cost, location: `${city.name}, ${country.name}` };
      try {
        await busy(next, 'Saving…', async () => {
          const id = await shopperId();
          await cartAnswer(() => api('shipping', ['confirm', id], { method: 'POST', body }));
        });
        navigate('#/pay');
      } catch (e) {
        error.textContent = e.status === 404 && e.detail === 'cart not found'
          ? 'Your cart has expired. Please add your robots again.' : messageOf(e);
      }
    } },
  h('div', { class: 'field' }, h('label', { for: 'country' }, 'Country'), select),
  picker.node, result, error, next);

  return h('div', { class: 'checkout-page' },
    steps(1),
    pageTitle('Where should we ship?'),
    h('div', { class: 'checkout-layout' },
      h('section', { class: 'card form-card', 'aria-label': 'Shipping address' }, form),
      orderSummary(cart)));
}
