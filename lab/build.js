/**
 * Builds the Init Lab into a folder of static files (relative paths only): index.html, style.css, lab.js (the
 * page, tfjs, this package's published ES module build, Vega-Lite), worker.js (the bring-your-own-model worker), and
 * tfjs's wasm binaries. Written to a temp
 * folder, then renamed into place.
 *   node lab/build.js [outDir]   (default lab/dist)
 */
const fs = require('fs');
const path = require('path');
const { buildSync } = require('esbuild');

const ROOT = path.join(__dirname, '..');

/** Builds the page into `outDir`; returns outDir. */
function buildLab(outDir = path.join(__dirname, 'dist')) {
  const esm = path.join(ROOT, 'dist', 'esm', 'index.js');
  if (!fs.existsSync(esm)) throw new Error(`lab: ${esm} is missing; run npm run build first`);
  const tmp = fs.mkdtempSync(path.join(path.dirname(path.resolve(outDir)), '.lab-build-'));
  try {
    // the page (lab.js) and the worker that runs the bring-your-own-model work (worker.js)
    for (const [entry, out] of [
      ['main.ts', 'lab.js'],
      ['worker.ts', 'worker.js'],
    ]) {
      const result = buildSync({
        entryPoints: [path.join(__dirname, 'src', entry)],
        bundle: true,
        platform: 'browser',
        format: 'iife',
        target: 'es2020',
        minify: true,
        outfile: path.join(tmp, out),
        logLevel: 'silent',
        // resolve 'tfjs-initializers' as a user's bundler does: through package.json to dist/esm
        tsconfig: path.join(ROOT, 'tsconfig.build.json'),
      });
      if (result.errors.length) throw new Error(`lab: esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
    }
    for (const file of ['index.html', 'style.css']) fs.copyFileSync(path.join(__dirname, file), path.join(tmp, file));
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    for (const file of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
      fs.copyFileSync(path.join(wasmDir, file), path.join(tmp, file));
    }
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(tmp, outDir);
    fs.chmodSync(outDir, 0o755);
    return outDir;
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

module.exports = { buildLab };

if (require.main === module) {
  const out = buildLab(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`lab: built ${out}`);
}
