/**
 * The published tarball: `npm pack`, unpack into a fresh project, then require it,
 * import it, and type-check a consumer against its declarations.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
let project: string;

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-consumer-'));
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], { cwd: root, encoding: 'utf8' });
  const tarball = path.join(project, out.trim().split('\n').pop() as string);
  const target = path.join(project, 'node_modules', 'tfjs-initializers');
  fs.mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  // The peer dependency (and the types it needs) come from this repository's install.
  for (const dep of ['@tensorflow', 'seedrandom', 'long', '@types']) {
    const from = path.join(root, 'node_modules', dep);
    if (fs.existsSync(from)) fs.symlinkSync(from, path.join(project, 'node_modules', dep));
  }
  fs.writeFileSync(path.join(project, 'package.json'), '{"name":"consumer","version":"1.0.0","private":true}\n');
}, 120000);

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

function run(file: string, source: string): string {
  fs.writeFileSync(path.join(project, file), source);
  return execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8' });
}

describe('the npm tarball', () => {
  it('ships only dist and the README', () => {
    const files = execFileSync(
      'tar',
      [
        '-tzf',
        fs
          .readdirSync(project)
          .filter((f) => f.endsWith('.tgz'))
          .map((f) => path.join(project, f))[0],
      ],
      { encoding: 'utf8' },
    );
    expect(files).toMatch(/package\/dist\/cjs\/index\.js/);
    expect(files).toMatch(/package\/dist\/esm\/index\.js/);
    expect(files).toMatch(/package\/dist\/types\/index\.d\.ts/);
    expect(files).not.toMatch(/package\/(src|test)\//);
  });

  it('works with require()', () => {
    const out = run(
      'cjs.js',
      `
      const tf = require('@tensorflow/tfjs');
      const { heNormal, calculateGain } = require('tfjs-initializers');
      const layer = tf.layers.dense({ units: 4, inputShape: [3], kernelInitializer: heNormal({ negativeSlope: 0.2, seed: 7 }) });
      const m = tf.sequential({ layers: [layer] });
      console.log(JSON.stringify({ shape: m.layers[0].getWeights()[0].shape, gain: calculateGain('tanh') }));
    `,
    );
    expect(JSON.parse(out.trim().split('\n').pop() as string)).toEqual({ shape: [3, 4], gain: 5 / 3 });
  });

  it('works with import', () => {
    const out = run(
      'esm.mjs',
      `
      import * as tf from '@tensorflow/tfjs';
      import { glorotUniform, calculateGain } from 'tfjs-initializers';
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [5], activation: 'tanh', kernelInitializer: glorotUniform({ gain: calculateGain('tanh') }) })] });
      console.log(JSON.stringify(m.layers[0].getWeights()[0].shape));
    `,
    );
    expect(out.trim().split('\n').pop()).toBe('[5,2]');
  });

  it("runs the README's quick start as written (examples/quickstart.js)", () => {
    const out = execFileSync(process.execPath, [path.join(root, 'examples', 'quickstart.js')], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const first = /first kernel std: ([\d.]+) \(target ([\d.]+)\)/.exec(out);
    const stock = /stock heNormal std: [\d.]+ \(target [\d.]+; ratio ([\d.]+)\)/.exec(out);
    expect(first).not.toBeNull();
    expect(stock).not.toBeNull();
    // 784 x 256 = 200,704 draws: relative standard error of the std 1/sqrt(2n) = 0.16%; 6 SE = 0.95%
    expect(Math.abs(Number(first?.[1]) / Number(first?.[2]) - 1)).toBeLessThan(0.0095 + 0.0002);
    expect(Math.abs(Number(stock?.[1]) - 0.8796)).toBeLessThan(0.01);
  });

  it('type-checks a TypeScript consumer against the shipped declarations', () => {
    fs.writeFileSync(
      path.join(project, 'consumer.ts'),
      `
      import * as tf from '@tensorflow/tfjs';
      import { heNormal, glorotUniform, calculateGain, varianceGain, HeNormal } from 'tfjs-initializers';
      const a: HeNormal = heNormal({ negativeSlope: 0.2, seed: 7 });
      tf.layers.dense({ units: 256, inputShape: [784], kernelInitializer: a });
      tf.layers.dense({ units: 64, activation: 'tanh', kernelInitializer: glorotUniform({ gain: calculateGain('tanh') }) });
      const g: number = varianceGain('gelu', { mode: 'fanOut' });
      // @ts-expect-error: mode is checked by the types
      heNormal({ mode: 'fanAvg' });
      export { g };
    `,
    );
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'commonjs',
        '--moduleResolution',
        'node',
        '--target',
        'ES2020',
        '--skipLibCheck',
        '--types',
        'node',
        'consumer.ts',
      ],
      { cwd: project, encoding: 'utf8' },
    );
  });
});
