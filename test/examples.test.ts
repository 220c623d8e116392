import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { shuffledIndices, stratifiedSplit } from '../examples/src/data/split';
import { loadMnist } from '../examples/src/data/mnist';
import { buildVocabulary, loadSpam, subjectAndBody, tokenize, vectorize } from '../examples/src/data/spam';
import { USAGE, parseArgs, run } from '../examples/src/cli';
import { parseCommandLine, positiveInteger, usageLines } from '../examples/src/cli_options';
import { main as imageMain } from '../examples/src/image-example';
import { main as textMain } from '../examples/src/text-example';
import { ARMS } from '../examples/src/arms';
import { memoryTask, toIds } from '../examples/src/data/sequences';
import { unsortedSegmentSum } from '../examples/src/wasm_kernels';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('data pipeline', () => {
  it('stratified split: deterministic, disjoint, covering, per-class fraction kept', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? 1 : 0));
    const a = stratifiedSplit(labels, 0.2, 3);
    const b = stratifiedSplit(labels, 0.2, 3);
    const c = stratifiedSplit(labels, 0.2, 4);
    expect(a).toEqual(b);
    expect(a.test).not.toEqual(c.test);
    const all = new Set([...a.train, ...a.test]);
    expect(all.size).toBe(1000);
    expect(a.train.length + a.test.length).toBe(1000);
    const ones = labels.filter((l) => l === 1).length;
    expect(a.test.filter((i) => labels[i] === 1).length).toBe(Math.round(ones * 0.2));
    expect(() => stratifiedSplit(labels, 1, 1)).toThrow(/testFraction/);
  });

  it('shuffledIndices is a seeded permutation', () => {
    const p = shuffledIndices(50, 9);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffledIndices(50, 9)).toEqual(p);
  });

  it('MNIST: 784 features in [0, 1], stratified 80/20, no digit in both splits', () => {
    const { train, test } = loadMnist({ seed: 1, perClass: 50 });
    expect(train.n).toBe(400);
    expect(test.n).toBe(100);
    for (let d = 0; d < 10; d++) expect(Array.from(test.y).filter((y) => y === d).length).toBe(10);
    const key = (x: Float32Array, i: number): string =>
      Buffer.from(x.buffer, x.byteOffset + i * 784 * 4, 784 * 4).toString('base64');
    const trainKeys = new Set(Array.from({ length: train.n }, (_, i) => key(train.x, i)));
    let shared = 0;
    for (let i = 0; i < test.n; i++) if (trainKeys.has(key(test.x, i))) shared++;
    expect(shared).toBe(0);
    expect(train.x.reduce((m, v) => Math.max(m, v), -Infinity)).toBeLessThanOrEqual(1);
    expect(train.x.reduce((m, v) => Math.min(m, v), Infinity)).toBeGreaterThanOrEqual(0);
  });

  it('tokenizer: subject and body only, lower case, HTML stripped', () => {
    const raw =
      'From: list@example.org\nReceived: relay.example.net\nSubject: Cheap MEDS now\n\n<b>Buy</b> cheap &amp; fast! Visit www.example.com';
    const text = subjectAndBody(raw);
    expect(text).not.toMatch(/relay|list@/);
    expect(tokenize(text)).toEqual(['cheap', 'meds', 'now', 'buy', 'cheap', 'fast', 'visit', 'www', 'example', 'com']);
  });

  it('vocabulary by document frequency, ties alphabetical, binary features', () => {
    const docs = [['a', 'b', 'b'], ['b', 'c'], ['c', 'a'], ['d']];
    expect(buildVocabulary(docs, 2)).toEqual(['a', 'b']);
    expect(Array.from(vectorize([['b', 'b', 'z']], ['a', 'b']))).toEqual([0, 1]);
  });

  it('SpamAssassin: vocabulary fitted on the training split only', () => {
    const { train, test, vocabulary } = loadSpam({ seed: 1, limitPerGroup: 60, vocabularySize: 300 });
    expect(train.n + test.n).toBe(300);
    expect(train.features).toBe(vocabulary.length);
    // every vocabulary term appears in at least 2 training documents
    const df = new Array<number>(vocabulary.length).fill(0);
    for (let i = 0; i < train.n; i++) for (let j = 0; j < train.features; j++) df[j] += train.x[i * train.features + j];
    expect(Math.min(...df)).toBeGreaterThanOrEqual(2);
  });
});

describe('CLI arguments', () => {
  const bad: Array<[string[], RegExp]> = [
    [['compare', '--task', 'video'], /unknown task 'video'/],
    [['compare', '--arms', 'he,magic'], /unknown arm 'magic'/],
    [['compare', '--backend', 'gpu'], /unknown backend "gpu"/],
    [['compare', '--epochs', 'ten'], /--epochs must be a positive integer; got "ten"/],
    [['compare', '--epochs', '0'], /--epochs must be a positive integer/],
    [['compare', '--seed', '1.5'], /--seed must be an integer/],
    [['compare', '--frobnicate'], /unknown option "--frobnicate"/],
    [['train'], /unknown command "train"/],
    [['diagnose'], /diagnose needs the path of a model.json/],
    [['diagnose', 'm.json', '--batch', '-3'], /--batch must be a positive integer/],
    [['diagnose', 'm.json', '--chunk', '0'], /--chunk must be a positive integer/],
    [['compare', '--inference'], /--inference is a diagnose option/],
    [['compare', '--out'], /--out needs a value/],
  ];
  for (const [argv, message] of bad) {
    it(`${argv.join(' ')}: exit 2 with the reason and usage`, async () => {
      const lines: string[] = [];
      const code = await run(argv, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
      expect(code).toBe(2);
      expect(lines.join('\n')).toMatch(message);
      expect(lines.join('\n')).toMatch(/usage: tfjs-init compare/);
    });
  }

  it('diagnose: --training (default) and --inference; --chunk', () => {
    expect(parseArgs(['diagnose', 'm.json']).training).toBe(true);
    expect(parseArgs(['diagnose', 'm.json', '--inference']).training).toBe(false);
    expect(parseArgs(['diagnose', 'm.json', '--inference', '--training', '--chunk', '8'])).toMatchObject({
      training: true,
      chunk: 8,
    });
  });

  it('diagnose of a model the tools cannot run: one line saying what failed and what to try, exit 1, no chart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-diag-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../src/node');
    const [a, b] = [tf.input({ shape: [4] }), tf.input({ shape: [4] })];
    const two = tf.model({ inputs: [a, b], outputs: tf.layers.add().apply([a, b]) as tf.SymbolicTensor });
    await two.save(`file://${path.join(dir, 'two')}`);
    const out = path.join(dir, 'out');
    const lines: string[] = [];
    const code = await run(['diagnose', path.join(dir, 'two', 'model.json'), '--backend', 'cpu', '--out', out], {
      out: () => undefined,
      err: (l) => lines.push(l),
    });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^tfjs-init: diagnose two failed: signalPropagation: needs a model with one input; this one has 2 inputs and 1 outputs; diagnose measures models with one input$/,
    );
    expect(fs.readdirSync(out)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an unwritable output folder: exit 2, nothing written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-ro-'));
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const lines: string[] = [];
    const code = await run(['compare', '--out', path.join(file, 'sub')], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(/is not a writable folder/);
    expect(fs.readdirSync(dir)).toEqual(['a-file']);
  });

  it('one option table: node:util parseArgs reads it, the usage text prints it with its defaults', () => {
    const table = {
      runs: { value: 'N', help: 'timed runs', default: 5, parse: positiveInteger },
      fast: { help: 'skip the slow cases' },
    };
    expect(parseCommandLine(table, []).values).toEqual({ runs: 5, fast: false });
    expect(parseCommandLine(table, ['--runs', '7', '--fast']).values).toEqual({ runs: 7, fast: true });
    expect(parseCommandLine(table, ['--runs=3']).values.runs).toBe(3);
    expect(() => parseCommandLine(table, ['--runs', '-3'])).toThrow(/--runs must be a positive integer; got "-3"/);
    expect(() => parseCommandLine(table, ['--runs', '--fast'])).toThrow(/--runs needs a value/);
    expect(() => parseCommandLine(table, ['stray'])).toThrow(/unexpected argument "stray"/);
    expect(usageLines(table)).toEqual(['  --runs N  timed runs (default 5)', '  --fast    skip the slow cases']);
    // the CLI's own table: what --help says the defaults are is what parsing gives
    const defaults = parseArgs(['diagnose', 'm.json']);
    expect(USAGE).toMatch(
      new RegExp(
        `--seed N +integer seed of every draw \\(compare: of the data split, and the first job seed\\) \\(default ${defaults.seed}\\)`,
      ),
    );
    expect(USAGE).toMatch(new RegExp(`--batch N +examples in the seeded batch \\(default ${defaults.batch}\\)`));
    expect(USAGE).toMatch(new RegExp(`--out DIR +output folder \\(default ${defaults.out}\\)`));
    expect(parseArgs(['compare', '--seed', '-3']).seed).toBe(-3);
  });

  it("the README's usage text is --help's, and npx tfjs-init runs from the repository root", () => {
    const root = path.join(__dirname, '..');
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toContain(`\`\`\`text\n${USAGE}\n\`\`\``);
    const help = execFileSync('npx', ['--no-install', 'tfjs-init', '--help'], { cwd: root, encoding: 'utf8' });
    expect(help.trim()).toBe(USAGE);
  });

  it('npm run bench parses with the same table: a bad value exits 2 with the reason and the usage', () => {
    const bench = path.join(__dirname, '..', 'bench', 'run.js');
    let failure: { status: number; stderr: string } | null = null;
    try {
      execFileSync(process.execPath, [bench, '--runs', 'x'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(2);
    expect(failure?.stderr).toMatch(
      /^bench: --runs must be a positive integer; got "x"\nusage: npm run bench -- \[options\]/,
    );
  });

  it('defaults: all tasks, every arm, seed 1, reports/', () => {
    expect(parseArgs(['compare'])).toMatchObject({ task: 'all', arms: null, seed: 1, out: 'reports', backend: 'auto' });
    expect(ARMS.map((a) => a.name)).toContain('lsuv');
  });
});

describe('the bench peers (bench/peers.py)', () => {
  it('answer one timing per request, nothing for a case they lack, or say in one line that they are missing', () => {
    const script = path.join(__dirname, '..', 'bench', 'peers.py');
    const requests = [
      { case: 'orthogonal', shape: [64, 64] },
      { case: 'heNormal', shape: [256, 128] },
      { case: 'no such case', shape: [2] },
    ];
    for (const peer of ['numpy', 'torch']) {
      let out: string;
      try {
        out = execFileSync('python3', [script, peer], {
          input: requests.map((r) => JSON.stringify(r)).join('\n') + '\n',
          encoding: 'utf8',
        });
      } catch {
        continue; // no python3 at all: the bench says so and skips the peers
      }
      const [hello, ...answers] = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      if (hello.unavailable) {
        expect(hello.unavailable).toMatch(new RegExp(`^${peer}: `));
        expect(answers).toEqual([]);
        continue;
      }
      expect(hello.peer).toMatch(new RegExp(`^${peer} `));
      expect(answers).toHaveLength(3);
      expect(answers[0].ms).toBeGreaterThan(0);
      expect(answers[1].ms).toBeGreaterThan(0);
      expect(answers[2].ms).toBeNull();
    }
  });
});

describe('compare: one-epoch smoke run of every task on a slice', () => {
  it('writes report.md, results.json, one SVG per task, and a reloaded model with identical predictions', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-report-'));
    const lines: string[] = [];
    const code = await run(
      [
        'compare',
        '--task',
        'all',
        '--epochs',
        '1',
        '--limit',
        '30',
        '--backend',
        'cpu',
        '--arms',
        'stock-default,he,activation-aware',
        '--seeds',
        '2',
        '--workers',
        '1',
        '--out',
        out,
        '--quiet',
      ],
      { out: (l) => lines.push(l), err: (l) => lines.push(l) },
    );
    expect(code).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.backend).toBe('cpu');
    expect(results.workers).toBe(1);
    expect(results.tasks.map((t: { task: string }) => t.task)).toEqual(['image', 'image-leaky', 'text', 'deep']);
    for (const t of results.tasks) {
      // every (arm, seed) job's raw figures, and a summary per arm over both seeds
      expect(t.seeds).toEqual([1, 2]);
      expect(t.runs).toHaveLength(6);
      expect(t.summary.arms.map((a: { arm: string }) => a.arm)).toEqual(['stock-default', 'he', 'activation-aware']);
      for (const a of t.summary.arms) expect(a.seeds).toBe(2);
      expect(t.runs[0].epochs).toHaveLength(1);
      expect(t.savedModel.reloadedPredictionsIdentical).toBe(true);
      expect(fs.existsSync(path.join(out, 'models', t.task, 'model.json'))).toBe(true);
      const svg = fs.readFileSync(path.join(out, `${t.task}.svg`), 'utf8');
      // Vega's SVG: a loss line (with its band) per arm, and each arm's accuracy as a point with an error bar
      expect(svg).toMatch(/^<svg[\s\S]*aria-roledescription="line mark"/);
      expect((svg.match(/aria-roledescription="errorbar"/g) ?? []).length).toBe(3);
      for (const a of t.summary.arms) {
        expect(svg).toContain(`series: ${a.arm}`);
        expect(svg).toContain(`name: ${a.arm};`);
      }
      const init = fs.readFileSync(path.join(out, `${t.task}-init.svg`), 'utf8');
      // three panels (activation, predicted, gradient), a line per arm
      expect((init.match(/aria-roledescription="line mark"/g) ?? []).length).toBe(3 * t.summary.arms.length);
      expect(init).toContain('activation std, predicted');
      expect(t.runs[0].initSignal.activationStd.length).toBe(t.task === 'deep' ? 31 : t.task === 'text' ? 2 : 3);
    }
    // stock glorotNormal on the 30-layer ReLU net: the init-time diagnostics flag vanishing layers
    expect(results.tasks[3].runs[0].initSignal.vanishing).toBeGreaterThan(0);
    const diag: string[] = [];
    const dcode = await run(
      [
        'diagnose',
        path.join(out, 'models', 'deep', 'model.json'),
        '--batch',
        '16',
        '--inference',
        '--backend',
        'cpu',
        '--out',
        out,
      ],
      { out: (l) => diag.push(l), err: (l) => diag.push(l) },
    );
    expect(dcode).toBe(0);
    expect(diag.join('\n')).toMatch(/\| 31 \| .* \| linear \|/);
    expect(diag.join('\n')).toMatch(/vanishing, \d+ exploding \(inference mode, 16 examples at once\)/);
    expect(fs.existsSync(path.join(out, 'diagnose.svg'))).toBe(true);
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(
      /\| arm \| test accuracy \| Δ vs stock-default \| final train loss/,
    );
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('plain examples run on a slice', () => {
  it('image example', async () => {
    const acc = await imageMain({ perClass: 40, epochs: 2 });
    expect(acc).toBeGreaterThan(0.5); // 10 classes: chance is 0.1
  });
  it('text example', async () => {
    const acc = await textMain({ limitPerGroup: 80, epochs: 3 });
    expect(acc).toBeGreaterThan(0.7); // majority class on this slice: 3 ham groups of 5 -> 0.6
  });
});

describe('the recurrent tasks', () => {
  it('token ids: vocabulary from the training split, padded in front, OOV as 1', () => {
    const index = new Map([
      ['free', 2],
      ['money', 3],
    ]);
    expect(Array.from(toIds(['free', 'cash', 'money'], index, 5))).toEqual([0, 0, 2, 1, 3]);
    expect(Array.from(toIds(['free', 'money', 'free'], index, 2))).toEqual([2, 3]);
  });

  it('memory task: the label is the first token; every later token is noise from its own range', () => {
    const { train, test, vocabulary } = memoryTask({
      seed: 3,
      steps: 100,
      classes: 4,
      noiseTokens: 8,
      train: 64,
      test: 16,
    });
    expect(train.features).toBe(101);
    expect(vocabulary).toBe(13);
    for (let r = 0; r < train.n; r++) {
      expect(train.x[r * 101]).toBe(train.y[r] + 1);
      for (let t = 1; t < 101; t++) {
        expect(train.x[r * 101 + t]).toBeGreaterThanOrEqual(5);
        expect(train.x[r * 101 + t]).toBeLessThanOrEqual(12);
      }
    }
    expect(test.n).toBe(16);
  });

  it('rejects MLP-only arms for the recurrent tasks', () => {
    expect(() => parseArgs(['compare', '--task', 'recurrent', '--arms', 'he'])).toThrow(
      /arm 'he' does not apply to task sequence/,
    );
    expect(parseArgs(['compare', '--task', 'recurrent', '--arms', 'chrono']).arms).toEqual(['chrono']);
  });

  it('compare --task recurrent runs both LSTM tasks (the built CLI, in its own process: tfjs LSTMs run ~6x slower under jest)', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-recurrent-'));
    const cli = path.join(__dirname, '..', 'examples', 'dist', 'cli.js');
    const args = [
      'compare',
      '--task',
      'recurrent',
      '--epochs',
      '1',
      '--limit',
      '10',
      '--backend',
      'wasm',
      '--seeds',
      '1',
    ];
    execFileSync(process.execPath, [cli, ...args, '--arms', 'stock-default,chrono', '--out', out, '--quiet'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.backend).toBe('wasm'); // training an Embedding needs our UnsortedSegmentSum kernel there
    expect(results.tasks.map((t: { task: string }) => t.task)).toEqual(['sequence', 'memory']);
    for (const t of results.tasks) {
      expect(t.summary.arms.map((a: { arm: string }) => a.arm)).toEqual(['stock-default', 'chrono']);
      expect(t.runs[0].buildSeconds).toBeGreaterThan(0);
      expect(t.savedModel.reloadedPredictionsIdentical).toBe(true);
      expect(t.runs[0].initSignal.activationStd).toHaveLength(3); // embedding, LSTM, Dense
    }
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/\| build s \|/);
  });

  it('compare --task width: every cell of the grid under SP and μP, the report, the chart; bad flags refused', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-width-'));
    const cli = path.join(__dirname, '..', 'examples', 'dist', 'cli.js');
    const args = 'compare --task width --steps 2 --seeds 1 --limit 10 --backend wasm --quiet --workers 2'.split(' ');
    const stdout = execFileSync(process.execPath, [cli, ...args, '--out', out], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(stdout).toMatch(/^sp: best learning rate per width 64: 2\^-\d+, 128: /m);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'width.json'), 'utf8'));
    expect(results.runs).toHaveLength(5 * 8 * 2); // widths x learning rates x parametrizations
    expect(results.summary.map((s: { parametrization: string }) => s.parametrization)).toEqual(['sp', 'mup']);
    for (const s of results.summary)
      expect(s.curves.map((c: { width: number }) => c.width)).toEqual([64, 128, 256, 512, 1024]);
    expect(fs.readFileSync(path.join(out, 'width.md'), 'utf8').match(/^\| \d+ \| -\d+ \|/gm)).toHaveLength(5);
    expect(fs.readFileSync(path.join(out, 'width.svg'), 'utf8')).toMatch(/^<svg/);
    const refused = (flag: string) =>
      expect(() =>
        execFileSync(process.execPath, [cli, 'compare', '--task', 'width', flag, '1'], { stdio: 'pipe' }),
      ).toThrow(new RegExp(`${flag} does not apply to task width`));
    refused('--epochs');
  });

  it('compare --task residual: the residual MLP with the residual arms, predicted and measured signal at init', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-residual-'));
    const cli = path.join(__dirname, '..', 'examples', 'dist', 'cli.js');
    const args = 'compare --task residual --epochs 1 --limit 20 --backend wasm --quiet --seeds 1'.split(' ');
    execFileSync(
      process.execPath,
      [cli, ...args, '--arms', 'stock-default,residual-zero,residual-preserve', '--out', out],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    const [task] = results.tasks;
    expect(task.task).toBe('residual');
    for (const a of task.runs) {
      // stem + 2 per block x 30 + classifier
      expect(a.initSignal.activationStd).toHaveLength(62);
      expect(a.initSignal.predictedStd.slice(0, 61).every((v: number | null) => typeof v === 'number' && v >= 0)).toBe(
        true,
      );
    }
    // each block's first Dense reads the stream: under the stock default it grows block after block (std about
    // 1.13x per block, 36x over 29); residual 'zero' starts every block as the identity (only the draws differ)
    const growth = (arm: string): number => {
      const std = task.runs.find((a: { arm: string }) => a.arm === arm).initSignal.activationStd;
      return std[59] / std[1];
    };
    expect(growth('stock-default')).toBeGreaterThan(10);
    expect(growth('residual-zero')).toBeLessThan(1.5);
  });

  it('compare --task vgg: the 30-conv net on MNIST images; the stock draw vanishes, predicted and LSUV keep the scale', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-vgg-'));
    const cli = path.join(__dirname, '..', 'examples', 'dist', 'cli.js');
    const args = 'compare --task vgg --epochs 1 --limit 4 --backend wasm --quiet --seeds 1 --workers 1'.split(' ');
    execFileSync(process.execPath, [cli, ...args, '--out', out], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [task] = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')).tasks;
    expect(task.task).toBe('vgg');
    expect(task.summary.arms.map((a: { arm: string }) => a.arm)).toEqual([
      'stock-default',
      'init-model',
      'init-model-predicted',
      'lsuv',
    ]);
    // the activation std of the 30 convs at initialization, the last over the first
    const spread = (arm: string): number => {
      const std = task.runs.find((a: { arm: string }) => a.arm === arm).initSignal.activationStd.slice(0, 30);
      return std[29] / std[0];
    };
    expect(spread('stock-default')).toBeLessThan(1e-4);
    for (const arm of ['init-model-predicted', 'lsuv']) {
      expect(spread(arm)).toBeGreaterThan(0.2);
      expect(spread(arm)).toBeLessThan(5);
    }
    expect(task.savedModel.reloadedPredictionsIdentical).toBe(true);
  });

  it('UnsortedSegmentSum (the gradient of gather, missing from tfjs-backend-wasm) sums rows into segments', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(Array.from(unsortedSegmentSum(x, [2, 0, 2, 9], 4, 2, 3))).toEqual([3, 4, 0, 0, 1 + 5, 2 + 6]);
  });
});
