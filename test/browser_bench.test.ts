/**
 * The bench's browser cases (bench/browser.js): the page builds, both backends run in headless Chromium, and the
 * same seed gives the same orthogonal values on webgl and wasm to float32 rounding. Skipped without Chromium unless
 * REQUIRE_BROWSER=1 (as in CI).
 */
import * as fs from 'fs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_BROWSER === '1')
  throw new Error(`REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM}`);
const describeBrowser = available ? describe : describe.skip;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { browserCases } = require('../bench/browser.js') as {
  browserCases(o: { runs: number; log: (m: string) => void; cases: Array<[string, number]> }): Promise<{
    renderer: string | null;
    wasmInPlace: boolean;
    cases: Array<{ name: string; wasmMs: number; webglMs: number; maxDiff: number }>;
  } | null>;
};

describeBrowser('npm run bench -- --browser', () => {
  it('times orthogonal 256 (blocked products) and heNormal on wasm and webgl; webgl gives wasm values to rounding', async () => {
    const r = await browserCases({
      runs: 1,
      log: () => {},
      cases: [
        ['orthogonal', 256],
        ['heNormal', 64],
      ],
    });
    expect(r).not.toBeNull();
    expect(r?.renderer).toMatch(/\w/);
    expect(r?.cases.map((c) => c.name)).toEqual(['orthogonal 256x256', 'heNormal 64x64']);
    for (const c of r?.cases ?? []) expect(c.wasmMs > 0 && c.webglMs > 0).toBe(true);
    // orthogonal: the same reflections, products in float32 on each backend (measured 1e-7 scale; 2e-6 as in Node)
    expect(r?.cases[0].maxDiff).toBeLessThan(2e-6);
    // the threaded wasm backend's heap is a shared memory: the fill module's shared build writes into it in place
    expect(r?.wasmInPlace).toBe(true);
    expect(r?.cases[1].maxDiff).toBe(0); // heNormal: drawn by the same kernel on the CPU, the same bits on every backend
  }, 120000);
});
