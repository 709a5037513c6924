// classic.test.mjs - the classic Stan's Robot Shop storefront (AngularJS),
// unchanged, served by our web gateway (UI_DIR) with the Content Security
// Policy it needs (CONTENT_SECURITY_POLICY), in front of the whole shop:
// browse, rate, cart, a failed login and register, register, login,
// shipping, pay and the order history, in Debian's chromium.
//
// Its files are not part of this repository: CLASSIC_UI_DIR names a copy
// of the classic shop's web/static directory. It loads AngularJS 1.6.7 and
// angular-route from Google's CDN; with no internet here, those two
// addresses are answered from the npm packages angular and angular-route
// of the same version (devDependencies), and every other address outside
// the shop is refused. Nothing in the classic files is changed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startStack } from '../api/lib/stack.mjs';
import { ROOT, startService } from '../api/lib/service.mjs';
import { launchChromium, screenshotPath } from './lib/browser.mjs';

const CLASSIC = process.env.CLASSIC_UI_DIR;

// What the classic UI needs: its CDN scripts, its inline script and style,
// and AngularJS's expression compiler (new Function).
export const CLASSIC_POLICY = "default-src 'self'; " +
  "script-src 'self' 'unsafe-inline' 'unsafe-eval' https://ajax.googleapis.com; " +
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; font-src 'self' https://fonts.gstatic.com; " +
  "img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'";

const CDN = {
  'https://ajax.googleapis.com/ajax/libs/angularjs/1.6.7/angular.js': 'angular/angular.js',
  'https://ajax.googleapis.com/ajax/libs/angularjs/1.6.7/angular-route.js': 'angular-route/angular-route.js',
};

describe('the classic storefront, served by our gateway', {
  skip: CLASSIC ? false : 'CLASSIC_UI_DIR is not set (a copy of the classic shop\'s web/static files)',
}, () => {
  let browser, web, shop, stack;

  before(async () => {
    stack = await startStack('rs-classic-stack-');
    const upstreams = {};
    ['catalogue', 'user', 'cart', 'shipping', 'ratings', 'payment'].forEach((s, i) => {
      upstreams[`${s.toUpperCase()}_URL`] = stack.urlAt(8081 + i);
    });
    web = await startService('web', { UI_DIR: CLASSIC, CONTENT_SECURITY_POLICY: CLASSIC_POLICY, ...upstreams });
    shop = web.url;
    browser = await launchChromium();
  });

  after(async () => {
    try {
      await browser?.close();
      await web?.stop();
    } finally {
      await stack?.stop();   // a sanitizer report in the shop's logs fails the file
    }
  });

  // A fresh shopper; the test fails on any script error or CSP refusal.
  async function shopper(t) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route((url) => !url.href.startsWith(shop), (route) => {
      const file = CDN[route.request().url()];
      if (file) route.fulfill({ path: path.join(ROOT, 'node_modules', file), contentType: 'text/javascript' });
      else route.abort();
    });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
    t.after(async () => {
      await context.close();
      assert.deepEqual(problems, []);
    });
    return page;
  }

  const shot = (page, name) => page.screenshot({ path: screenshotPath(name), fullPage: true });
  const message = (page, text) => page.locator('.message', { hasText: text }).waitFor();
  const nav = (page, name) => page.getByRole('link', { name, exact: true }).click();
  const answer = (page, pattern) => page.waitForResponse((r) => pattern.test(r.url()));

  async function openLogin(page) {
    await nav(page, 'Login / Register');
    await page.locator('table.credentials').first().waitFor();
  }

  async function register(page, name, password) {
    const form = page.locator('table.credentials').nth(1);
    await form.locator('input[type=text]').fill(name);
    await form.locator('input[type=email]').fill(`${name}@example.org`);
    await form.locator('input[type=password]').nth(0).fill(password);
    await form.locator('input[type=password]').nth(1).fill(password);
    await form.getByRole('button', { name: 'Register' }).click();
  }

  async function login(page, name, password) {
    const form = page.locator('table.credentials').first();
    await form.locator('input[type=text]').fill(name);
    await form.locator('input[type=password]').fill(password);
    await form.getByRole('button', { name: 'Login' }).click();
  }

  const name = `classic${Date.now()}`;

  test('it renders: no raw {{ }} templates, categories from the catalogue', async (t) => {
    const page = await shopper(t);
    await page.goto(`${shop}/`);
    await page.locator('span.category', { hasText: 'Toys' }).waitFor();
    await page.locator('.splash h3').waitFor();
    assert.doesNotMatch(await page.locator('body').innerText(), /\{\{/);
    assert.equal((await page.request.get(`${shop}/`)).headers()['content-security-policy'], CLASSIC_POLICY);
  });

  test('a failed login and a refused registration print our JSON errors as "ERROR [object Object]"', async (t) => {
    const page = await shopper(t);
    await page.goto(`${shop}/`);
    await openLogin(page);
    await login(page, 'stan', 'not-his-password');
    await message(page, 'ERROR [object Object]');
    await register(page, 'stan', 'bigbrain');   // the name exists
    await message(page, 'ERROR [object Object]');
    await shot(page, 'classic-login-error');
  });

  test('a shopper registers', async (t) => {
    const page = await shopper(t);
    await page.goto(`${shop}/`);
    await openLogin(page);
    await register(page, name, 'robots-rule');
    await page.locator('h3', { hasText: `Greetings ${name}` }).waitFor();
  });

  test('browse, rate, fill the cart, log in, ship, pay, and see the order in the history', async (t) => {
    const page = await shopper(t);
    await page.goto(`${shop}/`);
    const uniqueid = answer(page, /\/api\/user\/uniqueid$/);
    await page.locator('span.category', { hasText: 'Toys' }).click();
    await page.locator('a.product', { hasText: 'Zigzag Racer' }).click();
    await page.locator('h3', { hasText: 'Zigzag Racer' }).waitFor();
    assert.equal((await uniqueid).status(), 200);

    await page.locator('#vote-4').click();
    await message(page, 'Thankyou for your feedback');
    await page.locator('.rating', { hasText: /from \d+ votes/ }).waitFor();

    await page.locator('.productcart input[type=number]').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await message(page, 'Added to cart');
    await page.locator('.carttotal', { hasText: '€' }).waitFor();

    await openLogin(page);
    const renamed = answer(page, /\/api\/cart\/rename\//);
    await login(page, name, 'robots-rule');
    await page.locator('h3', { hasText: `Greetings ${name}` }).waitFor();
    assert.equal((await renamed).status(), 200, 'the anonymous cart moved to the user');

    await nav(page, 'Cart');
    await page.locator('td', { hasText: 'Zigzag Racer' }).waitFor();
    await page.getByRole('button', { name: 'Checkout' }).click();

    await page.locator('select').selectOption({ label: 'United Kingdom' });
    const matched = answer(page, /\/api\/shipping\/match\/[^/]+\/lond$/);
    await page.locator('#location').pressSequentially('lond', { delay: 50 });
    assert.equal((await matched).status(), 200);
    await page.locator('.autocomplete-suggestion', { hasText: /^London$/ }).first().click();
    await page.getByRole('button', { name: 'Calculate' }).click();
    await page.locator('div', { hasText: /^Distance \d+$/ }).waitFor();
    await page.getByRole('button', { name: 'Confirm' }).click();

    await page.locator('td', { hasText: /^shipping to United Kingdom London$/ }).waitFor();
    await shot(page, 'classic-review');
    const paid = answer(page, /\/api\/payment\/pay\//);
    await page.getByRole('button', { name: 'Pay with Paypal' }).click();
    assert.equal((await paid).status(), 200);
    await message(page, /Order placed [0-9a-f-]{36}/);
    const orderId = (await page.locator('.message').innerText()).match(/[0-9a-f-]{36}/)[0];

    await nav(page, 'Login / Register');
    await page.locator('td', { hasText: orderId }).waitFor();
    await shot(page, 'classic-history');
    t.diagnostic(`order ${orderId}`);
  });
});
