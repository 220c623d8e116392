/**
 * Round trips in a real browser: headless Chromium (Debian's package; .ci/run installs it) runs
 * a bundle of tfjs and this package, saving to IndexedDB, localStorage and memory. Without a
 * Chromium the suite is skipped with a note, unless REQUIRE_BROWSER=1 (as in CI), which fails it.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';
import * as tf from '@tensorflow/tfjs';
import { HeNormal, INITIALIZER_CLASSES } from '../src';
import type { Check } from './browser/roundtrip';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_BROWSER === '1')
  throw new Error(`REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM}`);
if (!available)
  console.warn(
    `browser round trips skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
const describeBrowser = available ? describe : describe.skip;

describeBrowser('in the browser (headless Chromium)', () => {
  let result: { checks?: Check[]; reference?: number[]; classes?: number; error?: string };
  let bundle: string;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-browser-'));
    const out = buildSync({
      entryPoints: [path.join(__dirname, 'browser', 'roundtrip.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      outfile: path.join(dir, 'bundle.js'),
      logLevel: 'silent',
      target: 'es2020',
      // resolve 'tfjs-initializers' as a user's bundler does: through package.json to dist/esm (no source paths)
      tsconfig: path.join(__dirname, '..', 'tsconfig.build.json'),
    });
    expect(out.errors).toEqual([]);
    bundle = fs.readFileSync(path.join(dir, 'bundle.js'), 'utf8');
    const page = '<!doctype html><html><body><script src="bundle.js"></script></body></html>';
    const server = http.createServer((req, res) => {
      const body = req.url === '/bundle.js' ? bundle : page;
      res.writeHead(200, { 'content-type': req.url === '/bundle.js' ? 'text/javascript' : 'text/html' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${port}/`);
      await tab.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, {
        timeout: 120000,
      });
      result = await tab.evaluate(() => (window as unknown as { __result: never }).__result);
    } finally {
      await browser.close();
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180000);

  it('the bundle takes the published ES module build and pulls in no Node module', () => {
    expect(bundle).toMatch(/dist\/esm\/initializers\/registry\.js/);
    expect(bundle).not.toMatch(/src\/index\.ts/);
    expect(bundle).not.toMatch(/require\(["'](fs|path|child_process)["']\)/);
  });

  it('every class survives IndexedDB, localStorage and memory with identical topology, configs, weights and predictions', () => {
    expect(result.error).toBeUndefined();
    const checks = result.checks as Check[];
    expect(result.classes).toBe(INITIALIZER_CLASSES.length);
    expect(checks).toHaveLength(3 * INITIALIZER_CLASSES.length);
    for (const c of checks)
      expect(c).toEqual({
        name: c.name,
        store: c.store,
        topology: true,
        configs: true,
        weights: true,
        predictions: true,
      });
  });

  it('a seed gives the same weights in the browser as in Node', async () => {
    await tf.setBackend('cpu');
    const t = new HeNormal({ seed: 7 }).apply([5, 8]);
    expect(result.reference).toEqual(Array.from(t.dataSync()));
    t.dispose();
  });
});
