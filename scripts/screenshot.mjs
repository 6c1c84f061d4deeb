// Saves the screenshot of the playground the README shows
// (docs/playground.png): the seed demo running after methB was accepted
// as `^ 2`. Run by scripts/screenshot.sh, which builds and serves the page.
//
//   BASE_URL=http://127.0.0.1:8000/ node scripts/screenshot.mjs [OUT.png]
import { createRequire } from 'node:module';
import { LAUNCH } from '../tests/chromium.mjs';

// playwright-core is installed in tests/ (scripts/setup.sh test)
const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const BASE = process.env.BASE_URL || 'http://127.0.0.1:8000/';
const OUT = process.argv[2] || new URL('../docs/playground.png', import.meta.url).pathname;

const browser = await chromium.launch(LAUNCH);
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 930 }, deviceScaleFactor: 1 });
  await page.goto(BASE);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30000 });
  await page.focus('#expr');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1500);
  const methB = page
    .locator('section.browser')
    .filter({ has: page.locator('h2', { hasText: 'Demo>>methB' }) })
    .locator('textarea');
  await methB.fill('methB\n\t^ 2');
  await methB.press('Control+s');
  await page.waitForFunction(() => window.livetalk.transcript().endsWith('2\n'), null, { timeout: 10000 });
  await page.waitForTimeout(1000);
  await page.screenshot({ path: OUT });
  console.log(`saved ${OUT}`);
} finally {
  await browser.close();
}
