/**
 * `npm run bench -- --browser`: the same initializers on webgl and wasm in headless Chromium (Debian's, through
 * playwright-core), alternating the two backends run by run after a warm-up each; the median ms per case. The page
 * is bench/browser_page.js, bundled with esbuild into a temp folder with tfjs's wasm binaries and served on
 * localhost (lab/serve.js, cross-origin isolated, so wasm may use its threads).
 */
/* global window -- page.evaluate's callbacks run in the page */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { buildSync } = require('esbuild');
const { serve } = require('../lab/serve.js');

const CASES = [
  ['orthogonal', 256],
  ['orthogonal', 512],
  ['orthogonal', 1024],
  ['heNormal', 1024],
  ['heNormal', 4096],
];
const BACKENDS = ['wasm', 'webgl'];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Bundles the page into a fresh temp folder; returns it. */
function buildPage() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-bench-'));
  buildSync({
    entryPoints: [path.join(__dirname, 'browser_page.js')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    outfile: path.join(dir, 'bench.js'),
    logLevel: 'silent',
    // resolve 'tfjs-initializers' as a user's bundler does: through package.json to dist/esm
    tsconfig: path.join(__dirname, '..', 'tsconfig.build.json'),
  });
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><script src="bench.js"></script>\n',
  );
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  for (const f of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
    fs.copyFileSync(path.join(wasmDir, f), path.join(dir, f));
  }
  return dir;
}

/**
 * Runs the cases ([kind, n] pairs); resolves to
 * { renderer, wasmThreads, wasmInPlace, cases: [{ name, wasmMs, webglMs, maxDiff }] } (maxDiff: the largest
 * |wasm - webgl| of the same seed's values; wasmInPlace: whether draws are written straight into the wasm heap),
 * or null (with a one-line note through `log`) when Chromium is not there.
 */
async function browserCases({ runs, log, cases: list = CASES }) {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    log(`browser: skipped (no Chromium at ${executablePath}; set CHROMIUM_PATH)`);
    return null;
  }
  const { chromium } = require('playwright-core');
  const dir = buildPage();
  const { server, url } = await serve(dir);
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => typeof window.timeCase === 'function');
    const renderer = await page.evaluate(() => window.renderer());
    let wasmThreads = null;
    const cases = [];
    for (const [kind, n] of list) {
      const times = { wasm: [], webgl: [] };
      for (const b of BACKENDS) await page.evaluate(([b, k, s]) => window.timeCase(b, k, s), [b, kind, n]);
      for (let r = 0; r < runs; r++) {
        for (const b of BACKENDS) {
          const out = await page.evaluate(([b, k, s]) => window.timeCase(b, k, s), [b, kind, n]);
          times[b].push(out.ms);
          if (b === 'wasm') wasmThreads = out.threads;
        }
      }
      const maxDiff = await page.evaluate(([k, s, bs]) => window.maxDiff(k, s, bs), [kind, n, BACKENDS]);
      cases.push({ name: `${kind} ${n}x${n}`, wasmMs: median(times.wasm), webglMs: median(times.webgl), maxDiff });
    }
    const wasmInPlace = await page.evaluate(() => window.wasmFillsInPlace());
    return { renderer, wasmThreads, wasmInPlace, cases };
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { browserCases };
