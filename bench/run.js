#!/usr/bin/env node
/**
 * npm run bench: stock tfjs against tfjs-initializers in the same process, alternating runs
 * after a warm-up, median milliseconds and the ratio stock/ours, on the cpu and wasm backends.
 * `npm run bench -- --help` lists the options (the OPTIONS table below).
 */
const path = require('path');
const { execFileSync, spawn } = require('child_process');
const readline = require('readline');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const ours = require('..');
const { modelToolCases } = require('./model_tools.js');
const { browserCases } = require('./browser.js');

// Stock orthogonal warns on every call above 2000 elements; keep the table readable.
const warn = console.warn;
console.warn = (...m) => {
  if (!String(m[0]).startsWith('Orthogonal initializer is being called')) warn(...m);
};
const { Xoshiro128 } = require('../dist/cjs/sampling/prng.js');
const { fillNormal, fillPath } = require('../dist/cjs/sampling/distributions.js');
const { allowWasm } = require('../dist/cjs/sampling/wasm/load.js');

const cli = require('../examples/dist/cli_options.js');

/** The bench's options: one table for the parser and the usage text. */
const OPTIONS = {
  json: { help: 'print the results as JSON instead of a table' },
  runs: { value: 'N', help: 'timed runs per case and side', default: 5, parse: cli.positiveInteger },
  backends: {
    value: 'A,B',
    help: 'backends to time',
    default: ['cpu', 'wasm'],
    parse: cli.listOf(cli.oneOf(['cpu', 'wasm'], 'backend')),
  },
  all: {
    help: 'also time stock orthogonal above 256 on cpu (about a minute a run), and stock LSTM 256 / GRU 256 builds on cpu (minutes each)',
  },
  'no-builds': { help: 'skip the recurrent-layer build cases' },
  'no-models': { help: 'skip the model-tool cases (bench/model_tools.js)' },
  'no-rss': { help: 'skip the peak-RSS measurement (fresh processes)' },
  peers: {
    help: 'also time the same cases through numpy, and PyTorch where it imports (python3 bench/peers.py), interleaved with ours',
  },
  browser: {
    help: 'also time orthogonal and heNormal on webgl and wasm in headless Chromium, alternating (bench/browser.js)',
  },
};
const USAGE = ['usage: npm run bench -- [options]', ...cli.usageLines(OPTIONS)].join('\n');

function parseArgs(argv) {
  if (argv.includes('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  try {
    const { values: v } = cli.parseCommandLine(OPTIONS, argv);
    return {
      json: v.json,
      runs: v.runs,
      backends: v.backends,
      all: v.all,
      rss: !v['no-rss'],
      builds: !v['no-builds'],
      models: !v['no-models'],
      peers: v.peers,
      browser: v.browser,
    };
  } catch (error) {
    if (!(error instanceof cli.UsageError)) throw error;
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timeOnce(fn) {
  const t0 = process.hrtime.bigint();
  const out = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (out && typeof out.dispose === 'function') out.dispose();
  return ms;
}

/**
 * Alternates stock, ours and each peer (`peers` times `kind` on `shape` in its own process): one warm-up each,
 * then `runs` timed runs each; medians, and each ratio against the same runs of ours.
 */
async function compare(stock, mine, runs, { peers = [], kind = null, shape = null } = {}) {
  const active = kind ? peers : [];
  const times = { stock: [], ours: [], peers: active.map(() => []) };
  if (stock) timeOnce(stock);
  timeOnce(mine);
  for (const p of active) await p.time(kind, shape);
  for (let r = 0; r < runs; r++) {
    if (stock) times.stock.push(timeOnce(stock));
    times.ours.push(timeOnce(mine));
    for (const [i, p] of active.entries()) times.peers[i].push(await p.time(kind, shape));
  }
  const s = stock ? median(times.stock) : null;
  const o = median(times.ours);
  const vs = peers.map((p) => {
    const k = active.indexOf(p);
    const ms = k < 0 || times.peers[k].includes(null) ? null : median(times.peers[k]);
    return { peer: p.name, version: p.version, ms, ratio: ms === null ? null : ms / o };
  });
  return { stockMs: s, oursMs: o, ratio: s === null ? null : s / o, ...(peers.length ? { peers: vs } : {}) };
}

/**
 * A peer (numpy or torch) in a python3 child process (bench/peers.py): `time(kind, shape)` runs one case there
 * and resolves to its milliseconds (null: no such case). `start` resolves to null, with a one-line note, when the
 * peer is not installed.
 */
async function startPeer(which, log) {
  // the python3 on PATH first, then the system's (Debian's python3-torch installs for /usr/bin/python3 only)
  const notes = [];
  for (const python of ['python3', '/usr/bin/python3']) {
    const peer = await startPeerWith(python, which, (note) => notes.push(`${python}: ${note}`));
    if (peer) return peer;
  }
  log(`peer ${which}: skipped (${notes.join('; ')})`);
  return null;
}

/** startPeer with one interpreter; null (and `note`) when the peer is not there. */
async function startPeerWith(python, which, note) {
  const child = spawn(python, [path.join(__dirname, 'peers.py'), which], { stdio: ['pipe', 'pipe', 'ignore'] });
  const failed = new Promise((resolve) => child.on('error', () => resolve({ value: undefined, done: true })));
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await Promise.race([lines.next(), failed]);
    if (done) throw new Error(`peer ${which} exited`);
    return JSON.parse(value);
  };
  let hello;
  try {
    hello = await next();
  } catch {
    note('did not start bench/peers.py');
    return null;
  }
  if (hello.unavailable) {
    note(hello.unavailable);
    child.stdin.end();
    return null;
  }
  return {
    name: which,
    version: hello.peer,
    async time(kind, shape) {
      child.stdin.write(`${JSON.stringify({ case: kind, shape })}\n`);
      return (await next()).ms;
    },
    stop: () => child.stdin.end(),
  };
}

const peerCells = (rows) =>
  rows
    .map((r) => ` ${r.ms === null ? '-' : r.ms.toFixed(1)} | ${r.ratio === null ? '-' : r.ratio.toFixed(2) + 'x'} |`)
    .join('');

function cases(backend, args) {
  const list = [];
  for (const n of [1024, 4096]) {
    list.push({
      name: `glorotUniform ${n}x${n}`,
      shape: [n, n],
      stock: () => tf.initializers.glorotUniform({ seed: 1 }),
      mine: () => ours.glorotUniform({ seed: 1 }),
      peer: 'glorotUniform',
    });
    list.push({
      name: `heNormal ${n}x${n}`,
      shape: [n, n],
      stock: () => tf.initializers.heNormal({ seed: 1 }),
      mine: () => ours.heNormal({ seed: 1 }),
      peer: 'heNormal',
    });
  }
  list.push({
    name: 'heNormal conv [3,3,256,256]',
    shape: [3, 3, 256, 256],
    stock: () => tf.initializers.heNormal({ seed: 1 }),
    mine: () => ours.heNormal({ seed: 1 }),
  });
  for (const n of [128, 256, 512, 1024]) {
    const skipStock1024 = n === 1024;
    const skipStock = skipStock1024 || (backend === 'cpu' && n > 256 && !args.all);
    list.push({
      name: `orthogonal ${n}x${n}`,
      shape: [n, n],
      runs: n >= 256 ? Math.min(args.runs, 3) : args.runs,
      stock: skipStock ? null : () => tf.initializers.orthogonal({ seed: 1 }),
      mine: () => ours.orthogonal({ seed: 1 }),
      peer: 'orthogonal',
    });
  }
  return list;
}

/**
 * Building one recurrent layer on a [20, 64] input: stock defaults against the same layer with our
 * orthogonal() as its recurrentInitializer (the same Haar distribution; the stock one is what makes
 * building slow). One timed build each, no warm-up: a stock LSTM 256 takes minutes on cpu.
 */
function buildCases(backend, args) {
  const list = [];
  for (const [kind, units] of [
    ['lstm', 128],
    ['lstm', 256],
    ['gru', 256],
  ]) {
    const skipStock = backend === 'cpu' && units > 128 && !args.all;
    const build = (recurrentInitializer) => () =>
      tf.sequential({ layers: [tf.layers[kind]({ units, inputShape: [20, 64], recurrentInitializer })] });
    list.push({
      name: `build ${kind.toUpperCase()} ${units}`,
      stock: skipStock ? null : build(undefined),
      mine: build(ours.orthogonal()),
    });
  }
  return list;
}

/** Times one build per side (alternating, stock first). */
function compareBuilds(stock, mine) {
  const s = stock ? timeOnce(stock) : null;
  const o = timeOnce(mine);
  return { stockMs: s, oursMs: o, ratio: s === null ? null : s / o };
}

/** Peak RSS of one 4096x4096 heNormal in a fresh process. */
function peakRss(which) {
  const script = `
    const tf = require('@tensorflow/tfjs');
    const ours = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    tf.setBackend('cpu');
    const before = process.memoryUsage().rss;
    const init = ${which === 'stock' ? 'tf.initializers.heNormal({ seed: 1 })' : 'ours.heNormal({ seed: 1 })'};
    const t = init.apply([4096, 4096]);
    t.dataSync();
    console.log(JSON.stringify({ baseline: before, peak: process.resourceUsage().maxRSS * 1024 }));`;
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out.trim().split('\n').pop());
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const results = {
    machine: { node: process.version, cpus: require('os').cpus().length, cpu: require('os').cpus()[0].model },
    cases: [],
    rawNormals: null,
    rss: null,
  };
  const log = (...m) => {
    if (!args.json) console.log(...m);
  };
  const peers = [];
  if (args.peers) {
    for (const which of ['numpy', 'torch']) {
      const p = await startPeer(which, log);
      if (p) peers.push(p);
    }
    results.peers = peers.map((p) => p.version);
    log(`peers: ${peers.length ? peers.map((p) => p.version).join(', ') : 'none'}`);
  }
  const peerHead = peers.map((p) => ` ${p.name} ms | ${p.name}/ours |`).join('');
  for (const backend of args.backends) {
    await tf.setBackend(backend);
    await tf.ready();
    log(`\nbackend: ${tf.getBackend()}`);
    log(`| case | stock ms | ours ms | stock/ours |${peerHead}`);
    log(`|---|---:|---:|---:|${peers.map(() => '---:|---:|').join('')}`);
    for (const c of cases(backend, args)) {
      const stock = c.stock ? c.stock() : null;
      const mine = c.mine();
      const r = await compare(stock && (() => stock.apply(c.shape)), () => mine.apply(c.shape), c.runs ?? args.runs, {
        peers,
        kind: c.peer,
        shape: c.shape,
      });
      results.cases.push({ backend, name: c.name, ...r });
      log(
        `| ${c.name} | ${r.stockMs === null ? 'skipped' : r.stockMs.toFixed(1)} | ${r.oursMs.toFixed(1)} | ${r.ratio === null ? '-' : r.ratio.toFixed(1) + 'x'} |${peerCells(r.peers ?? [])}`,
      );
    }
    for (const c of args.builds ? buildCases(backend, args) : []) {
      const r = compareBuilds(c.stock, c.mine);
      results.cases.push({ backend, name: c.name, ...r });
      log(
        `| ${c.name} | ${r.stockMs === null ? 'skipped (--all)' : r.stockMs.toFixed(1)} | ${r.oursMs.toFixed(1)} | ${r.ratio === null ? '-' : r.ratio.toFixed(1) + 'x'} |`,
      );
    }
    if (!args.models) continue;
    // the cpu backend's conv gradients are plain loops: a smaller batch and one timed run keep the bench short there
    const modelBatch = backend === 'cpu' ? 16 : 64;
    log(
      `\nmodel tools on ${tf.getBackend()}, batch ${modelBatch} of 32x32 images (ms; ratio to one forward pass, model.predict):`,
    );
    log('| architecture | tool | ms | forward ms | / forward | goal | stock modelFromJSON ms | stock / ours |');
    log('|---|---|---:|---:|---:|---|---:|---:|');
    for (const r of await modelToolCases({ batch: modelBatch, runs: backend === 'cpu' ? 1 : Math.min(args.runs, 3) })) {
      results.modelTools = [...(results.modelTools ?? []), { backend, ...r }];
      log(
        `| ${r.architecture} | ${r.tool} | ${r.ms.toFixed(1)} | ${r.forwardMs.toFixed(1)} | ${r.ratio.toFixed(2)} | ${r.goal ?? ''} | ${r.stockMs === undefined ? '' : r.stockMs.toFixed(1)} | ${r.stockRatio === undefined ? '' : r.stockRatio.toFixed(1) + 'x'} |`,
      );
    }
  }
  // Raw generation: 2^24 standard normals, ours into a Float32Array vs stock tf.randomNormal on cpu.
  await tf.setBackend('cpu');
  const n = 16777216;
  const buf = new Float32Array(n);
  // the peers fill an existing array too (numpy: standard_normal(out=); torch: normal_), in the same loop
  const raw = await compare(
    () => tf.randomNormal([n], 0, 1, 'float32', 1),
    () => fillNormal(buf, new Xoshiro128(1), 0, 1),
    args.runs,
    { peers, kind: 'normals', shape: [n] },
  );
  // the same draws through the JavaScript loop (where WebAssembly is refused), for the record
  const jsLoop = await compare(
    null,
    () => {
      const previous = allowWasm(false);
      try {
        return fillNormal(buf, new Xoshiro128(1), 0, 1);
      } finally {
        allowWasm(previous);
      }
    },
    args.runs,
  );
  results.rawNormals = {
    count: n,
    fillPath: fillPath(),
    stockPerSec: n / (raw.stockMs / 1000),
    oursPerSec: n / (raw.oursMs / 1000),
    oursJsLoopPerSec: n / (jsLoop.oursMs / 1000),
    ratio: raw.ratio,
    ...(raw.peers ? { peers: raw.peers.map((r) => ({ ...r, perSec: r.ms === null ? null : n / (r.ms / 1000) })) } : {}),
  };
  // The floor any initializer pays for a fresh output: allocating and first touching it.
  const floor = await compare(null, () => new Float32Array(n).fill(1), args.runs);
  results.allocationFloorMs = { elements: n, ms: floor.oursMs };
  log(
    `allocating and touching a fresh 2^24-float32 output (the floor for a 4096x4096 kernel): ${floor.oursMs.toFixed(1)} ms`,
  );
  log(
    `\nraw normals (2^24): stock ${(results.rawNormals.stockPerSec / 1e6).toFixed(1)} M/s, ours ${(results.rawNormals.oursPerSec / 1e6).toFixed(1)} M/s (${raw.ratio.toFixed(1)}x; ${results.rawNormals.fillPath} loop; the JavaScript loop: ${(results.rawNormals.oursJsLoopPerSec / 1e6).toFixed(1)} M/s)`,
  );
  for (const r of results.rawNormals.peers ?? [])
    log(
      `  ${r.version}, into an existing array, in the same runs: ${r.perSec === null ? '-' : (r.perSec / 1e6).toFixed(1)} M/s`,
    );
  for (const p of peers) p.stop();
  if (args.browser) {
    const b = await browserCases({ runs: Math.min(args.runs, 3), log });
    if (b) {
      results.browser = b;
      log(
        `\nheadless Chromium: WebGL renderer ${b.renderer}; wasm threads ${b.wasmThreads ? 'on' : 'off'}; draws written into the wasm heap in place: ${b.wasmInPlace ? 'yes' : 'no'}`,
      );
      log('| case | wasm ms | webgl ms | wasm/webgl | max abs difference of the values |');
      log('|---|---:|---:|---:|---:|');
      for (const c of b.cases)
        log(
          `| ${c.name} | ${c.wasmMs.toFixed(1)} | ${c.webglMs.toFixed(1)} | ${(c.wasmMs / c.webglMs).toFixed(2)}x | ${c.maxDiff.toExponential(1)} |`,
        );
    }
  }
  if (args.rss) {
    const s = peakRss('stock');
    const o = peakRss('ours');
    results.rss = { stockPeakMiB: s.peak / 2 ** 20, oursPeakMiB: o.peak / 2 ** 20 };
    log(
      `peak RSS, one 4096x4096 heNormal in a fresh process: stock ${results.rss.stockPeakMiB.toFixed(0)} MiB, ours ${results.rss.oursPeakMiB.toFixed(0)} MiB`,
    );
  }
  log(`\nmachine: ${results.machine.cpu}, ${results.machine.cpus} cores, node ${results.machine.node}`);
  if (args.json) console.log(JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
