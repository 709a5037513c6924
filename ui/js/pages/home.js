// pages/home.js - the home page: a welcome, the categories and a few
// featured robots.

import { CATEGORY_BLURBS, getCategories, getProducts } from '../catalogue.js';
import { productGrid } from '../components.js';
import { h, route } from '../dom.js';
import { setTitle } from '../router.js';

const FEATURED = ['RB-PEBBLE-5', 'RB-MOPSY-2', 'RB-HEDGEHOG-3', 'RB-CHEF-1', 'RB-LANTERN-3', 'RB-WELDA-4', 'RB-SPROCKET-1', 'RB-TEAKETTLE-1'];
// One robot stands for each category on its tile.
const CATEGORY_FACE = { Home: 'RB-MOPSY-2', Garden: 'RB-HEDGEHOG-3', Companion: 'RB-PEBBLE-5', Toys: 'RB-ZIGZAG-6', Industrial: 'RB-GANTRY-9' };

function pickFeatured(products) {
  const bySku = new Map(products.map((p) => [p.sku, p]));
  const chosen = FEATURED.map((s) => bySku.get(s)).filter((p) => p && p.instock > 0);
  for (const p of products) if (chosen.length < 4 && p.instock > 0 && !chosen.includes(p)) chosen.push(p);
  return chosen.slice(0, 4);
}

export default async function homePage() {
  setTitle('');
  const [categories, products] = await Promise.all([getCategories(), getProducts()]);
  const heroCat = categories.includes('Home') ? 'Home' : categories[0] || 'Home';
  return h('div', { class: 'home' },
    h('section', { class: 'hero' },
      h('div', { class: 'hero-text' },
        h('h1', { tabindex: '-1' }, 'Robots that make life a little lighter'),
        h('p', { class: 'lead' }, `${products.length} friendly machines for the home, the garden, play time and the factory floor — shipped from our warehouse in Germany.`),
        h('div', { class: 'actions' },
          h('a', { class: 'btn btn-primary', href: route('category', heroCat) }, `Shop ${heroCat.toLowerCase()} robots`),
          h('a', { class: 'btn btn-ghost', href: '#/robots' }, `See all ${products.length} robots`))),
      h('div', { class: 'hero-art', 'aria-hidden': 'true' },
        ['RB-PEBBLE-5', 'RB-BARKLEY-2', 'RB-LANTERN-3'].map((s) => h('img', { src: `/images/${s}.svg`, alt: '', width: 160, height: 160 })))),

    h('section', { class: 'section', 'aria-labelledby': 'cat-heading' },
      h('h2', { id: 'cat-heading' }, 'Shop by category'),
      h('ul', { class: 'category-tiles' }, categories.map((c) =>
        h('li', null, h('a', { class: 'category-tile', href: route('category', c) },
          h('img', { src: `/images/${CATEGORY_FACE[c] || 'placeholder'}.svg`, alt: '', width: 72, height: 72 }),
          h('span', { class: 'tile-text' },
            h('strong', null, c),
            h('span', null, CATEGORY_BLURBS[c] || `Browse our ${c} robots.`))))))),

    h('section', { class: 'section', 'aria-labelledby': 'featured-heading' },
      h('h2', { id: 'featured-heading' }, 'Featured robots'),
      productGrid(pickFeatured(products))));
}
