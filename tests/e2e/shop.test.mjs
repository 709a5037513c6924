// shop.test.mjs - a person shopping in a real browser: Debian's chromium,
// driven by playwright-core, against the whole shop started the way
// `make run` starts it (scripts/stack, in a directory and on ports of its
// own). Each journey saves a screenshot in $E2E_OUT (default build/e2e/).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startStack } from '../api/lib/stack.mjs';
import { launchChromium, screenshotPath } from './lib/browser.mjs';

const run = promisify(execFile);
// The storefront, on a port offset of its own (one whose ports are free and
// that Chromium lets a page use), reserved for this file in before().
let SHOP;

describe('shopping in a browser', () => {
  let browser;
  let stack;

  before(async () => {
    stack = await startStack('rs-e2e-stack-');
    SHOP = stack.url;
    browser = await launchChromium();
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await stack?.stop();   // a sanitizer report in the shop's logs fails the file
    }
  });

  // A fresh shopper: a new browser context (no cookies, no localStorage),
  // failing the test on any error the page reports.
  async function shopper(t) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const calls = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/')) calls.push(`${r.status()} ${r.request().method()} ${r.url().replace(SHOP, '')}`);
    });
    page.calls = calls;
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
    t.after(async () => {
      await context.close();
      assert.deepEqual(problems, []);
    });
    return page;
  }

  const shot = (page, name) => page.screenshot({ path: screenshotPath(name), fullPage: true });

  const cartCount = async (page) => Number(await page.locator('#cart-count').innerText());
  // Locators, not waitForFunction: the shop's CSP rightly forbids the eval
  // that polling a function needs.
  const waitForCount = (page, n) =>
    page.locator('#cart-count').filter({ hasText: new RegExp(`^\\s*${n}\\s*$`) }).waitFor();

  async function addToCart(page, sku, qty) {
    await page.goto(`${SHOP}/#/product/${sku}`);
    await page.locator('.buy-form button[type=submit]:not([disabled])').waitFor();
    await page.locator('#qty').fill(String(qty));
    const before = await cartCount(page);
    await page.locator('.buy-form button[type=submit]').click();
    await waitForCount(page, before + qty);
  }

  async function checkoutAndPay(page) {
    await page.goto(`${SHOP}/#/checkout`);
    await page.locator('#country').selectOption('GB');
    await page.locator('#city').fill('lond');
    const london = page.locator('#city-list [role=option]', { hasText: 'London' }).first();
    await london.waitFor();
    await london.click();
    await page.locator('.quote-box').waitFor();
    assert.match(await page.locator('.quote-box').innerText(), /km/);
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL(/#\/pay$/);
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.waitForURL(/#\/order\//);
    const orderId = (await page.locator('.order-id').innerText()).trim();
    assert.match(orderId, /^[0-9a-f-]{36}$/);
    return orderId;
  }

  test('an anonymous shopper browses, votes, fills a cart, checks out and pays', async (t) => {
    const page = await shopper(t);
    await page.goto(SHOP);
    await page.getByRole('link', { name: 'Toys' }).first().click();
    await page.waitForURL(/#\/category\/Toys/);
    await page.getByRole('link', { name: /Zigzag Racer/ }).first().click();
    await page.waitForURL(/#\/product\/RB-ZIGZAG-6/);
    await page.getByRole('button', { name: '4 out of 5' }).click();
    await page.locator('.vote-note', { hasText: 'Thank you' }).waitFor();
    await addToCart(page, 'RB-ZIGZAG-6', 1);
    await addToCart(page, 'RB-PEBBLE-5', 2);
    await page.goto(`${SHOP}/#/cart`);
    await page.locator('.cart-line', { hasText: 'Pebble' }).waitFor();
    assert.equal(await page.locator('.cart-line').count(), 2);
    await page.getByRole('button', { name: 'One more Zigzag Racer' }).click();
    await waitForCount(page, 4);
    await shot(page, 'anonymous-cart');
    const orderId = await checkoutAndPay(page);
    await shot(page, 'anonymous-paid');
    assert.equal(await cartCount(page), 0);
    t.diagnostic(`order ${orderId}`);
  });

  test('a registered shopper logs in, finds the anonymous cart merged, pays, sees the order', async (t) => {
    const page = await shopper(t);
    const name = `e2e${Date.now()}`;
    await page.goto(`${SHOP}/#/register`);
    await page.locator('#reg-name').fill(name);
    await page.locator('#reg-email').fill(`${name}@example.org`);
    await page.locator('#reg-password').fill('robots-rule');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('link', { name: /My orders|Orders/ }).first().waitFor();
    await page.getByRole('button', { name: 'Sign out' }).first().click().catch(async () => {
      await page.goto(`${SHOP}/#/orders`);
      await page.getByRole('button', { name: 'Sign out' }).click();
    });
    await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
    await addToCart(page, 'RB-LANTERN-3', 2);
    await page.goto(`${SHOP}/#/login`);
    await page.locator('#login-name').fill(name);
    await page.locator('#login-password').fill('robots-rule');
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.getByRole('link', { name: /My orders|Orders/ }).first().waitFor();
    await page.waitForURL((url) => !/#\/login$/.test(url.hash));
    await page.goto(`${SHOP}/#/cart`);
    try {
      await page.locator('.cart-line', { hasText: 'Lanternbot' }).waitFor({ timeout: 10000 });
    } catch (e) {
      await shot(page, 'FAILED-merged-cart');
      t.diagnostic(page.calls.join('\n'));
      throw e;
    }
    assert.equal(await cartCount(page), 2, 'the anonymous cart came along');
    await shot(page, 'registered-merged-cart');
    const orderId = await checkoutAndPay(page);
    await page.goto(`${SHOP}/#/orders`);
    await page.locator('.order-list', { hasText: orderId }).waitFor();
    await shot(page, 'registered-history');
  });

  test('an out-of-stock robot cannot be added', async (t) => {
    const page = await shopper(t);
    await page.goto(`${SHOP}/#/product/RB-BARKLEY-2`);
    const button = page.locator('.buy-form button[type=submit]');
    await button.waitFor();
    assert.equal(await button.isDisabled(), true);
    assert.match(await button.innerText(), /Out of stock/);
    assert.equal(await page.locator('#qty').isDisabled(), true);
    await shot(page, 'out-of-stock');
  });

  test('a failed API call is shown to the person in plain words', async (t) => {
    const page = await shopper(t);
    await page.goto(`${SHOP}/#/product/RB-NO-SUCH-ROBOT`);
    await page.getByText(/could not find that robot/i).waitFor();
    await addToCart(page, 'RB-PEBBLE-5', 1);
    await run('supervisorctl', ['-c', path.join(stack.dir, 'supervisord.conf'), 'stop', 'payment']);
    try {
      await page.goto(`${SHOP}/#/checkout`);
      await page.locator('#country').selectOption('GB');
      await page.locator('#city').fill('lond');
      await page.locator('#city-list [role=option]', { hasText: 'London' }).first().click();
      await page.locator('.quote-box').waitFor();
      await page.getByRole('button', { name: 'Continue to payment' }).click();
      await page.getByRole('button', { name: /^Pay / }).click();
      const message = page.getByText(/payment service can.t be reached/i);
      await message.waitFor();
      await shot(page, 'payment-unavailable');
      assert.equal(await cartCount(page), 1, 'the cart is kept');
    } finally {
      await run('supervisorctl', ['-c', path.join(stack.dir, 'supervisord.conf'), 'start', 'payment']);
    }
  });
});
