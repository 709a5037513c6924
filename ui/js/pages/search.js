// pages/search.js - full-text search over names and descriptions.

import { cleanSearch, search } from '../catalogue.js';
import { emptyState, pageTitle, productGrid } from '../components.js';
import { h, route } from '../dom.js';
import { navigate, setTitle } from '../router.js';

export default async function searchPage({ text = '' }) {
  const query = cleanSearch(text);
  setTitle(query ? `Search: ${query}` : 'Search');
  const input = h('input', { id: 'page-search', type: 'search', name: 'q', value: query, maxlength: 64, required: true, placeholder: 'e.g. garden, kitchen, toy' });
  const form = h('form', { class: 'inline-form', role: 'search', action: '/',
    onSubmit: (ev) => {
      ev.preventDefault();
      const t = cleanSearch(input.value);
      if (t) navigate(route('search', t)); else input.focus();
    } },
  h('label', { for: 'page-search' }, 'Search for'), input,
  h('button', { type: 'submit', class: 'btn btn-primary' }, 'Search'));

  document.getElementById('search-input').value = query;
  if (!query) return h('div', null, pageTitle('Search the catalogue', 'Find robots by name or what they do.'), form);

  const results = await search(query);
  const n = results.length;
  return h('div', null,
    pageTitle(`Results for “${query}”`, n ? `${n} ${n === 1 ? 'robot matches' : 'robots match'} your search.` : null),
    form,
    n ? productGrid(results)
      : emptyState('No robots found', `Nothing matches “${query}”. Try another word, such as “garden” or “kitchen”.`,
        h('a', { class: 'btn btn-ghost', href: '#/' }, 'Browse all categories')));
}
