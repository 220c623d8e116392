/**
 * The Init Lab in a real browser: headless Chromium (Debian's package, as test/browser.test.ts) loads the built
 * page from a localhost server. The page runs on the wasm backend here (?backend=wasm; webgl in headless Chromium
 * is a software rasterizer), and its numbers are compared with the same code run in Node on wasm: float32 on the
 * same kernels, so 1e-4 relative (measured differences are far below; the tolerance allows another thread count).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { Browser, Page } from 'playwright-core';
import type { SignalReport } from '../src';
import { DIAGNOSE_COLUMNS } from '../examples/src/diagnose_table';
import { runArm } from '../lab/src/experiment';
import type { ModelRecord } from '../lab/src/model_panel';
import { LabState, fromQuery, toQuery } from '../lab/src/state';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildLab } = require('../lab/build.js') as { buildLab(out: string): string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { serve } = require('../lab/serve.js') as {
  serve(dir: string, port: number): Promise<{ server: import('http').Server; url: string }>;
};

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_BROWSER === '1')
  throw new Error(`REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM}`);
const describeBrowser = available ? describe : describe.skip;

interface LabWindow {
  backend: string;
  state: LabState;
  updates: number;
  milliseconds: number;
  runs: Array<{ arm: string; report: SignalReport; targetStd: number }>;
  byo: ModelRecord;
  error: string | null;
}
const lab = (page: Page): Promise<LabWindow> => page.evaluate(() => (window as unknown as { __lab: LabWindow }).__lab);

/** Waits for the page's update number `n` (1 = the first). */
async function updated(page: Page, n = 1): Promise<LabWindow> {
  await page.waitForFunction((k) => ((window as unknown as { __lab?: LabWindow }).__lab?.updates ?? 0) >= k, n, {
    timeout: 120000,
  });
  return lab(page);
}

/** Every number the page computed equals Node's run of the same state, within 1e-4 relative. */
function expectSameNumbers(page: LabWindow['runs'], state: LabState): void {
  [state.armA, state.armB].forEach((arm, i) => {
    const node = runArm(state, arm);
    expect(page[i].arm).toBe(arm);
    expect(page[i].targetStd).toBeCloseTo(node.histogram.targetStd, 12);
    expect(page[i].report.layers).toHaveLength(node.report.layers.length);
    node.report.layers.forEach((row, j) => {
      const shown = page[i].report.layers[j];
      for (const key of ['preStd', 'postStd', 'gradPreStd', 'predictedSecondMoment'] as const) {
        const [a, b] = [shown[key] as number, row[key] as number];
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-4 * Math.abs(b) + 1e-30);
      }
      expect(shown.flags).toEqual(row.flags);
    });
  });
}

describeBrowser('Init Lab (headless Chromium)', () => {
  let dir: string;
  let url: string;
  let server: import('http').Server;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    await tf.setBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-lab-'));
    buildLab(path.join(dir, 'site'));
    ({ server, url } = await serve(path.join(dir, 'site'), 0));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${url}?backend=wasm`);
  }, 180000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no console errors and shows its backend', async () => {
    const state = await updated(page);
    expect(problems).toEqual([]);
    expect(state.error).toBeNull();
    expect(state.backend).toBe('wasm');
    expect(await page.textContent('#backend')).toBe('wasm');
    expect(await page.textContent('#timing')).toMatch(
      /updated in \d+ ms \(\d+ ms computing two arms at depth 30, width 256, batch 256 \(gradients on 64\); the rest drawing\)/,
    );
    // every control has a label; charts are SVG drawn by Vega
    const unlabelled = await page.$$eval('input, select', (els) =>
      els.filter((e) => (e as HTMLInputElement).labels?.length === 0).map((e) => e.id),
    );
    expect(unlabelled).toEqual([]);
    expect(
      await page.$$eval('#chart-activations svg, #chart-gradients svg, #chart-histogram svg', (s) => s.length),
    ).toBe(3);
  });

  it('depth 30, relu: the stock default flags the late layers as vanishing, our He arm flags none', async () => {
    const { runs, state } = await lab(page);
    expect([state.depth, state.activation, state.armA, state.armB]).toEqual([30, 'relu', 'stock-default', 'he']);
    const stock = runs[0].report.layers.filter((l) => l.activation === 'relu');
    expect(stock.slice(-10).every((l) => l.flags.includes('activation vanishing'))).toBe(true);
    expect(runs[1].report.layers.every((l) => l.flags.length === 0)).toBe(true);
    // and the tables say so
    const flagCells = await page.$$eval('#tables table', (tables) =>
      tables.map((t) => Array.from(t.querySelectorAll('tbody tr')).map((r) => r.lastElementChild?.textContent ?? '')),
    );
    expect(flagCells[0].slice(20, 30).every((f) => f.includes('activation vanishing'))).toBe(true);
    expect(flagCells[1].every((f) => f === '')).toBe(true);
  });

  it("the numbers shown equal the library's in Node for the same seed and inputs", async () => {
    const { runs, state } = await lab(page);
    expectSameNumbers(runs, state);
    // the table cells are the shared column definitions applied to those numbers
    const cells = await page.$$eval('#tables table:first-of-type tbody tr', (rows) =>
      rows.map((r) => Array.from(r.children).map((c) => c.textContent)),
    );
    runs[0].report.layers.forEach((row, i) => expect(cells[i]).toEqual(DIAGNOSE_COLUMNS.map((c) => c.cell(row))));
  });

  it('a URL with a query reproduces its view (controls and numbers); bad fields are named', async () => {
    const query =
      'depth=6&width=32&activation=tanh&residual=1&batchNorm=1&armA=lsuv&armB=residual-zero&seed=7&batch=64&gradientExamples=32&layer=3&backend=wasm';
    const tab = await browser.newPage();
    await tab.goto(`${url}?${query}`);
    const shown = await updated(tab);
    const expected = fromQuery(query).state;
    expect(shown.state).toEqual(expected);
    expect(await tab.inputValue('#c-depth')).toBe('6');
    expect(await tab.inputValue('#c-activation')).toBe('tanh');
    expect(await tab.isChecked('#c-residual')).toBe(true);
    expect(await tab.inputValue('#c-armB')).toBe('residual-zero');
    expect(new URLSearchParams(toQuery(shown.state)).toString()).toBe(new URLSearchParams(query).toString());
    expectSameNumbers(shown.runs, expected);
    // a changed control updates the URL, so the link reproduces the new view
    await tab.selectOption('#c-activation', 'selu');
    await updated(tab, 2);
    expect(new URL(tab.url()).searchParams.get('activation')).toBe('selu');
    await tab.goto(`${url}?depth=500&activation=swishy&backend=wasm`);
    await updated(tab);
    const notices = await tab.$$eval('#notices li', (li) => li.map((l) => l.textContent));
    expect(notices).toEqual([
      'depth: "500" is not an integer in [1, 100]',
      expect.stringMatching(/^activation: "swishy" is not one of linear, relu, /),
    ]);
    await tab.close();
  });

  it('a model saved by tfjs-init compare loads through the file input, is diagnosed, re-initialized and downloads', async () => {
    const out = path.join(dir, 'compare');
    execFileSync(
      process.execPath,
      [
        path.join(__dirname, '..', 'examples', 'dist', 'cli.js'),
        'compare',
        '--task',
        'image',
        '--arms',
        'stock-default',
        '--epochs',
        '1',
        '--limit',
        '20',
        '--backend',
        'wasm',
        '--quiet',
        '--out',
        out,
      ],
      { stdio: 'pipe' },
    );
    const saved = path.join(out, 'models', 'image');
    await page.setInputFiles('#model-files', [path.join(saved, 'model.json'), path.join(saved, 'weights.bin')]);
    await page.waitForFunction(() => (window as unknown as { __lab: LabWindow }).__lab.byo.before !== null);
    const { byo } = await lab(page);
    expect(byo.file).toBe('model.json');
    expect(byo.before?.layers.map((l) => l.kind)).toEqual(['kernel', 'kernel', 'kernel']);
    // the work ran in the worker, which reported its stages and the examples done
    expect(byo.progress[0]).toBe('loading…');
    expect(byo.progress[byo.progress.length - 1]).toMatch(/^diagnosing: 256 \/ 256 examples…$/);
    await page.selectOption('#reinit', 'init-model');
    await page.click('#reinit-run');
    await page.waitForFunction(() => (window as unknown as { __lab: LabWindow }).__lab.byo.after !== null);
    const after = (await lab(page)).byo.after as SignalReport;
    expect(after.layers).toHaveLength(3);
    expect(after.layers[0].postStd).not.toBe(byo.before?.layers[0].postStd);
    expect(await page.$$eval('#byo-table table', (t) => t.length)).toBe(2);
    const downloads: string[] = [];
    page.on('download', async (d) => {
      const file = path.join(dir, d.suggestedFilename());
      await d.saveAs(file);
      downloads.push(file);
    });
    await page.click('#download');
    await page.waitForFunction(() => (window as unknown as { __lab: LabWindow }).__lab.byo.downloaded);
    await page.waitForTimeout(500);
    const json = downloads.find((f) => f.endsWith('.json')) as string;
    expect(path.basename(json)).toBe('reinitialized.json');
    const model = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(model.weightsManifest[0].paths).toEqual(['./reinitialized.weights.bin']);
    expect(downloads.some((f) => f.endsWith('reinitialized.weights.bin'))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('a model too large for memory at the default batch: the page says out of memory and which setting to change', async () => {
    // a 2048x2048 image input: a batch of 256 is 3.2 GB, more than the worker's backend can hold
    const input = tf.input({ shape: [2048, 2048, 3] });
    const big = tf.model({
      inputs: input,
      outputs: tf.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(input) as tf.SymbolicTensor,
    });
    const folder = path.join(dir, 'big');
    fs.mkdirSync(folder, { recursive: true });
    await big.save(
      tf.io.withSaveHandler(async (a) => {
        const manifest = [{ paths: ['weights.bin'], weights: a.weightSpecs }];
        fs.writeFileSync(
          path.join(folder, 'model.json'),
          JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: manifest }),
        );
        fs.writeFileSync(path.join(folder, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    big.dispose();
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`${url}?depth=3&width=16&backend=wasm`);
    await updated(tab);
    await tab.setInputFiles('#model-files', [path.join(folder, 'model.json'), path.join(folder, 'weights.bin')]);
    await tab.waitForFunction(() => (window as unknown as { __lab: LabWindow }).__lab.byo.error !== null, undefined, {
      timeout: 120000,
    });
    const { byo } = await lab(tab);
    expect(byo.error).toMatch(
      /^Cannot diagnose model\.json: out of memory at batch 256; lower the Batch setting \(e\.g\. \?batch=64\)/,
    );
    expect(await tab.textContent('#byo-status')).toBe(byo.error);
    expect(errors).toEqual([]);
    await tab.close();
  });

  it('works at 375 px: no horizontal scrolling of the page', async () => {
    const tab = await browser.newPage({ viewport: { width: 375, height: 800 } });
    await tab.goto(`${url}?depth=5&width=16&backend=wasm`);
    await updated(tab);
    expect(await tab.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // keyboard: Tab reaches the first control
    await tab.keyboard.press('Tab');
    expect(await tab.evaluate(() => document.activeElement?.id)).toBe('c-depth');
    await tab.close();
  });
});
