// pages/notfound.js - an address the shop does not know.

import { emptyState, pageTitle } from '../components.js';
import { h } from '../dom.js';
import { setTitle } from '../router.js';

export default async function notFoundPage() {
  setTitle('Page not found');
  return h('div', null, pageTitle('Page not found'),
    emptyState('This page wandered off', 'The address may be mistyped, or the page has moved.',
      h('a', { class: 'btn btn-primary', href: '#/' }, 'Go to the home page')));
}
