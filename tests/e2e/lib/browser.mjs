// browser.mjs - what the browser tests share: Debian's chromium (or
// $CHROMIUM) run headless through playwright-core, and the directory their
// screenshots go to ($E2E_OUT, default $BUILD_DIR/e2e, build/e2e).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from '../../api/lib/service.mjs';

const OUT = path.resolve(ROOT, process.env.E2E_OUT ?? path.join(process.env.BUILD_DIR ?? 'build', 'e2e'));

// A headless chromium, with the screenshot directory made. playwright
// gives every launch a fresh, throw-away profile directory.
export function launchChromium() {
  mkdirSync(OUT, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
}

// Where the screenshot called name goes.
export function screenshotPath(name) {
  return path.join(OUT, `${name}.png`);
}
