// pages/category.js - every robot of one category, or (#/robots) every
// robot in the shop.

import { getCategory, getProducts } from '../catalogue.js';
import { breadcrumbs, emptyState, pageTitle, productGrid } from '../components.js';
import { h } from '../dom.js';
import { setTitle } from '../router.js';

export async function allRobotsPage() {
  setTitle('All robots');
  const products = (await getProducts()).slice().sort((a, b) => a.name.localeCompare(b.name));
  return h('div', null,
    breadcrumbs(['Shop', '#/'], ['All robots']),
    pageTitle('All robots', `${products.length} robots, from pocket companions to two-tonne loaders.`),
    productGrid(products));
}

export default async function categoryPage({ name }) {
  setTitle(name);
  const products = await getCategory(name);
  const count = products.length;
  return h('div', null,
    breadcrumbs(['Shop', '#/'], [name]),
    pageTitle(`${name} robots`, count ? `${count} ${count === 1 ? 'robot' : 'robots'} in this category.` : null),
    count ? productGrid(products)
      : emptyState('No robots here yet', `We have nothing in “${name}” at the moment.`, h('a', { class: 'btn btn-primary', href: '#/' }, 'Back to the shop')));
}
