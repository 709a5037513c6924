// pages/account.js - sign in and register. On sign-in the anonymous cart
// is merged into the user's (GET /api/cart/rename/:anonymousId/:name).

import { api, messageOf } from '../api.js';
import { loadCart, mergeCart, itemCount } from '../cart.js';
import { busy, pageTitle } from '../components.js';
import { h } from '../dom.js';
import { notifyError, notifyInfo } from '../notify.js';
import { navigate, setTitle } from '../router.js';
import { anonymousId, currentUser, setUser, signOut } from '../session.js';

const NAME_PATTERN = '[A-Za-z0-9._\\-]{1,64}';

// Where to go after signing in (set by pages that need an account).
let returnTo = '#/';
export function signInThenReturn(hash) { returnTo = hash; }

function field(id, label, attrs, hint) {
  const hintId = hint ? `${id}-hint` : null;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name: id, ...attrs, 'aria-describedby': hintId }),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
}

// Signs out: the cart id becomes a fresh anonymous one.
export function signOutNow() {
  signOut();
  loadCart().catch((e) => notifyError(messageOf(e)));
  notifyInfo('You are signed out. See you soon!');
  navigate('#/');
}

// Signs the user in on this browser and brings the anonymous cart along:
// the merge comes first, so that the account never shows a cart without it.
async function completeSignIn(user) {
  let anon = null;
  try { anon = await anonymousId(); } catch { /* no anonymous cart to bring */ }
  let merged = null;
  if (anon && anon !== user.name) {
    try {
      merged = await mergeCart(anon, user.name);
    } catch (e) {
      notifyError(`The robots you added before signing in could not be moved to your account. ${messageOf(e)}`);
    }
  }
  setUser(user);
  try { await loadCart(); } catch (e) { notifyError(`Your cart could not be loaded. ${messageOf(e)}`); }
  const n = merged ? itemCount(merged) : 0;
  notifyInfo(`Welcome, ${user.name}!` + (n ? ` Your cart now holds ${n} ${n === 1 ? 'robot' : 'robots'}.` : ''));
  const target = returnTo;
  returnTo = '#/';
  // A person who went elsewhere while this ran is not pulled back.
  if (/^#\/(login|register)$/.test(location.hash)) navigate(target);
}

function formShell(title, intro, form, footer) {
  return h('div', { class: 'auth-page' },
    h('section', { class: 'card auth-card' },
      pageTitle(title, intro),
      form,
      h('p', { class: 'auth-switch' }, footer)));
}

export async function loginPage() {
  setTitle('Sign in');
  const user = currentUser();
  const error = h('p', { class: 'inline-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h('form', { class: 'stack', action: '/', novalidate: true },
    field('login-name', 'User name', { type: 'text', autocomplete: 'username', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' }),
    field('login-password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
    error, submit);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const name = form.elements['login-name'].value.trim();
    const password = form.elements['login-password'].value;
    if (!name || !password) {
      error.textContent = 'Please enter your user name and password.';
      (name ? form.elements['login-password'] : form.elements['login-name']).focus();
      return;
    }
    try {
      const u = await busy(submit, 'Signing in…', () => api('user', ['login'], { method: 'POST', body: { name, password } }));
      await completeSignIn({ name: (u && u.name) || name, email: u && u.email });
    } catch (e) {
      error.textContent = e.status === 404 ? 'That user name and password do not match an account. Please check them and try again.' : messageOf(e);
    }
  });

  return formShell('Sign in',
    user ? `You are signed in as ${user.name}. Sign in again to switch account.` : 'Sign in to see your orders. The robots already in your cart come with you.',
    form,
    ['New here? ', h('a', { href: '#/register' }, 'Create an account')]);
}

export async function registerPage() {
  setTitle('Create an account');
  const error = h('p', { class: 'inline-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Create account');
  const form = h('form', { class: 'stack', action: '/', novalidate: true },
    field('reg-name', 'User name', { type: 'text', autocomplete: 'username', required: true, maxlength: 64, pattern: NAME_PATTERN, autocapitalize: 'none', spellcheck: 'false' },
      'Letters, digits, dots, dashes and underscores.'),
    field('reg-email', 'Email address', { type: 'email', autocomplete: 'email', required: true, maxlength: 200 }),
    field('reg-password', 'Password', { type: 'password', autocomplete: 'new-password', required: true, minlength: 6 },
      'At least 6 characters.'),
    error, submit);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const name = form.elements['reg-name'];
    const email = form.elements['reg-email'];
    const password = form.elements['reg-password'];
    const problems = [
      [name, !new RegExp(`^${NAME_PATTERN}$`).test(name.value.trim()), 'Please choose a user name of letters, digits, dots, dashes or underscores (up to 64).'],
      [email, !email.value.trim() || !email.checkValidity(), 'Please enter a valid email address.'],
      [password, password.value.length < 6, 'Please choose a password of at least 6 characters.'],
    ];
    for (const [input, bad] of problems) input.setAttribute('aria-invalid', String(bad));
    const first = problems.find(([, bad]) => bad);
    if (first) {
      error.textContent = first[2];
      first[0].focus();
      return;
    }
    const body = { name: name.value.trim(), email: email.value.trim(), password: password.value };
    try {
      await busy(submit, 'Creating account…', async () => {
        await api('user', ['register'], { method: 'POST', body });
        const u = await api('user', ['login'], { method: 'POST', body: { name: body.name, password: body.password } });
        await completeSignIn({ name: (u && u.name) || body.name, email: (u && u.email) || body.email });
      });
    } catch (e) {
      error.textContent = messageOf(e);
    }
  });

  return formShell('Create an account', 'An account keeps your order history in one place.', form,
    ['Already have an account? ', h('a', { href: '#/login' }, 'Sign in')]);
}
