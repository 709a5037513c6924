// catalogue.js - reads from the catalogue service: products, categories,
// search. Categories are asked for once per page load.

import { api } from './api.js';

let categories = null;

export function getCategories() {
  if (!categories) {
    categories = api('catalogue', ['categories']).then((c) => (Array.isArray(c) ? c : []));
    categories.catch(() => { categories = null; });   // ask again next time
  }
  return categories;
}

export const getProducts = () => api('catalogue', ['products']);
export const getProduct = (sku) => api('catalogue', ['product', sku]);
export const getCategory = (name) => api('catalogue', ['products', name]);

// Only letters, digits, spaces, dots and dashes reach the service.
export function cleanSearch(text) {
  return String(text || '').replace(/[^\p{L}\p{N}\s.-]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 64);
}
export const search = (text) => api('catalogue', ['search', cleanSearch(text)]);

// A friendly blurb per category for the home page.
export const CATEGORY_BLURBS = {
  Home: 'Helpers for the kitchen, floors and windows.',
  Garden: 'Trimmers, diggers and pollinators for outdoors.',
  Companion: 'Friendly robots that keep you company.',
  Toys: 'Build, race and play.',
  Industrial: 'Heavy lifters and precise hands for work.',
};
