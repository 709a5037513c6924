// router.js - hash routing (#/product/RB-PEBBLE-5). A page is an async
// function (params) -> Node; while it loads, the main area says so; if it
// throws, an error panel with "Try again" takes its place. A page that
// finishes after the person has moved on is thrown away.

import { errorPanel } from './components.js';
import { h, replace } from './dom.js';

const routes = [];
let main = null;
let generation = 0;
let firstRender = true;

// pattern: 'product/:sku' (':name' matches one segment).
export function addRoute(pattern, page) {
  const parts = pattern ? pattern.split('/') : [];
  routes.push({ parts, page });
}

export const navigate = (hash) => { location.hash = hash; };

export function setTitle(text) {
  document.title = text ? `${text} · Robot Shop` : 'Robot Shop';
}

function match(path) {
  const segs = path ? path.split('/').map((s) => { try { return decodeURIComponent(s); } catch { return s; } }) : [];
  for (const r of routes) {
    if (r.parts.length !== segs.length) continue;
    const params = {};
    if (r.parts.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = segs[i]), true) : p === segs[i]))) {
      return { page: r.page, params };
    }
  }
  return null;
}

export async function render() {
  const mine = ++generation;
  const path = location.hash.replace(/^#\/?/, '').replace(/\/$/, '');
  const found = match(path) || match('404');
  main.setAttribute('aria-busy', 'true');
  const spinner = setTimeout(() => {
    if (mine === generation) replace(main, h('p', { class: 'loading' }, 'Loading…'));
  }, 150);
  let node;
  try {
    node = await found.page(found.params);
  } catch (err) {
    node = errorPanel(err, () => render());
    setTitle('Error');
  }
  clearTimeout(spinner);
  if (mine !== generation) return;           // the person moved on
  replace(main, node);
  main.removeAttribute('aria-busy');
  document.dispatchEvent(new CustomEvent('rs:route', { detail: path }));
  if (!firstRender) {
    window.scrollTo(0, 0);
    const heading = main.querySelector('h1');
    (heading || main).focus({ preventScroll: true });
  }
  firstRender = false;
}

export function startRouter(mainElement) {
  main = mainElement;
  window.addEventListener('hashchange', render);
  render();
}
