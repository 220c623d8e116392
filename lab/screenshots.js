/**
 * Screenshots of the Init Lab for the README: builds the page, serves it, and captures it in headless Chromium at
 * 1280 px and 375 px (default state, wasm backend) into docs/lab-1280.png and docs/lab-375.png, then prints one
 * update's time on each backend.
 *   node lab/screenshots.js   (needs Debian's chromium, or CHROMIUM_PATH)
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { buildLab } = require('./build.js');
const { serve } = require('./serve.js');

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-lab-shots-'));
  const { server, url } = await serve(buildLab(path.join(dir, 'site')), 0);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    for (const [width, height] of [
      [1280, 1000],
      [375, 1600],
    ]) {
      const page = await browser.newPage({ viewport: { width, height } });
      await page.goto(`${url}?backend=wasm`);
      await page.waitForFunction(() => (globalThis.__lab?.updates ?? 0) > 0, undefined, { timeout: 120000 });
      const file = path.join(__dirname, '..', 'docs', `lab-${width}.png`);
      const tmp = `${file}.tmp.png`;
      await page.screenshot({ path: tmp });
      fs.renameSync(tmp, file);
      console.log(`${file}: ${await page.textContent('#timing')} on ${await page.textContent('#backend')}`);
      await page.close();
    }
    // one update's time on each backend (defaults: batch 256, gradients on 64), and with gradients on all 256
    for (const query of ['backend=wasm', 'backend=wasm&gradientExamples=256', 'backend=webgl', 'backend=cpu']) {
      const page = await browser.newPage();
      await page.goto(`${url}?${query}`);
      await page.waitForFunction(() => (globalThis.__lab?.updates ?? 0) > 0, undefined, { timeout: 300000 });
      console.log(`?${query}: ${await page.textContent('#timing')} on ${await page.textContent('#backend')}`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`lab: screenshots failed: ${error.message}`);
  process.exit(1);
});
