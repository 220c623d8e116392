/**
 * The published tarball: `npm pack`, unpack into a fresh project, then require it,
 * import it, and type-check a consumer against its declarations.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

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

  it("runs the README's porting example (examples/porting.js, in the README whole): PyTorch's default bounds hold", () => {
    const file = path.join(root, 'examples', 'porting.js');
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toContain(
      `\`\`\`js\n${fs.readFileSync(file, 'utf8')}\`\`\``,
    );
    const out = execFileSync(process.execPath, [file], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const rows = [...out.matchAll(/(kernel|bias): fanIn (\d+), b = ([\d.]+); max \|w\| ([\d.]+), std ([\d.]+)/g)];
    // Conv2d(3, 16, 3): 3*3*3; Linear: 10816; each bias takes its kernel's fanIn
    expect(rows.map((r) => [r[1], Number(r[2])])).toEqual([
      ['kernel', 27],
      ['bias', 27],
      ['kernel', 16 * 26 * 26],
      ['bias', 16 * 26 * 26],
    ]);
    for (const [, role, fan, bound, max, std] of rows) {
      const b = 1 / Math.sqrt(Number(fan));
      expect(Number(bound)).toBeCloseTo(b, 5);
      expect(Number(max)).toBeLessThanOrEqual(b + 5e-6);
      expect(Number(max)).toBeGreaterThan(0.85 * b);
      // a uniform's std is b / sqrt 3; the smallest kernel has 432 draws (relative SE sqrt(0.8 / 4n) = 2.2%): 6 SE;
      // a bias of 16 draws: relative SE 11%, 3 SE
      expect(Math.abs(Number(std) / (b / Math.sqrt(3)) - 1)).toBeLessThan(role === 'kernel' ? 0.13 : 0.33);
    }
    expect(Number(/trunc_normal_\(std=0.02\): std ([\d.]+)/.exec(out)?.[1])).toBeCloseTo(0.02, 3);
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

/**
 * A consumer under a strict layout (`npm install --install-strategy=linked`: no hoisting, a
 * package sees only what it declares) compiles the README quick start with strict: true and
 * skipLibCheck: false, as CommonJS (.cts) and as an ES module (.mts), and runs both. Stock
 * tfjs 4.22's own declarations carry errors under skipLibCheck: false in any program, so a
 * control program that builds the same model with stock initializers only sets the baseline:
 * the quick start may have no error the control does not have. Under this layout tfjs's Node
 * bundle requires `long` without declaring it, so the consumer adds `long` (the README says so).
 */
describe('a strict (linked) install', () => {
  let consumer: string;
  const version = (name: string): string =>
    (JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;

  beforeAll(() => {
    consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-linked-'));
    const tarball = fs.readdirSync(project).find((f) => f.endsWith('.tgz')) as string;
    fs.copyFileSync(path.join(project, tarball), path.join(consumer, 'tfjs-initializers.tgz'));
    const dependencies = {
      'tfjs-initializers': 'file:./tfjs-initializers.tgz',
      '@tensorflow/tfjs': version('@tensorflow/tfjs'),
      long: version('long'),
      typescript: version('typescript'),
    };
    fs.writeFileSync(
      path.join(consumer, 'package.json'),
      JSON.stringify({ name: 'linked-consumer', version: '1.0.0', private: true, dependencies }),
    );
    execFileSync(
      'npm',
      ['install', '--install-strategy=linked', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      { cwd: consumer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  }, 300000);

  afterAll(() => fs.rmSync(consumer, { recursive: true, force: true }));

  const quickStart = (): string => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = /## Quick start\s+```ts\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    return (block as RegExpExecArray)[1];
  };
  const control = `import * as tf from '@tensorflow/tfjs';

const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: 256, inputShape: [784], kernelInitializer: tf.initializers.heNormal({ seed: 7 }) }),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.dense({ units: 64, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
  ],
});
`;
  const report =
    "\nconsole.log('SHAPES', JSON.stringify(model.layers.map((l) => l.getWeights()[0]?.shape ?? null)));\n";

  /** Compiles `file` (strict, skipLibCheck false) and returns its errors with the program's own name masked. */
  function compile(file: string, source: string): string[] {
    fs.writeFileSync(path.join(consumer, file), source);
    const tsc = path.join(consumer, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--strict', '--skipLibCheck', 'false', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
    args.push('--target', 'es2020', '--outDir', 'out', file);
    let out: string;
    try {
      out = execFileSync(process.execPath, [tsc, ...args], { cwd: consumer, encoding: 'utf8' });
    } catch (error) {
      out = String((error as { stdout?: string }).stdout ?? '');
    }
    const stem = file.replace(/\.[cm]ts$/, '');
    return out
      .split('\n')
      .filter((l) => /error TS\d+/.test(l))
      .map((l) => l.split(stem).join('PROGRAM'));
  }

  for (const ext of ['cts', 'mts']) {
    it(`compiles the README quick start as .${ext} with no error beyond stock tfjs's own, and runs it`, () => {
      const baseline = new Set(compile(`control.${ext}`, control + report));
      const errors = compile(`quickstart.${ext}`, quickStart() + report);
      const own = errors.filter((e) => !baseline.has(e));
      expect(own).toEqual([]);
      expect(errors.some((e) => /^PROGRAM/.test(e))).toBe(false);
      const js = path.join(consumer, 'out', `quickstart.${ext === 'cts' ? 'cjs' : 'mjs'}`);
      const run = execFileSync(process.execPath, [js], {
        cwd: consumer,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      expect(run).toContain('SHAPES [[784,256],null,[256,64]]');
      // the control must itself compile to a program, or the baseline says nothing
      expect(fs.existsSync(path.join(consumer, 'out', `control.${ext === 'cts' ? 'cjs' : 'mjs'}`))).toBe(true);
    }, 120000);
  }

  it('no published declaration names a package outside dependencies and peerDependencies', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
    const types = path.join(consumer, 'node_modules', 'tfjs-initializers', 'dist', 'types');
    const named = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.d.ts')) {
          // the module specifiers the declarations import (the doc comments' @example imports are not imports)
          const { importedFiles } = ts.preProcessFile(fs.readFileSync(full, 'utf8'), true, true);
          for (const { fileName: spec } of importedFiles) {
            if (spec.startsWith('.')) continue;
            named.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
          }
        }
      }
    };
    walk(types);
    const builtins = new Set(['fs', 'path', 'os']);
    expect([...named].filter((n) => !allowed.has(n) && !builtins.has(n))).toEqual([]);
  });
});
