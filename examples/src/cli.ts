#!/usr/bin/env node
/**
 * tfjs-init: compare weight initializers on real data (`compare`), or diagnose a saved model (`diagnose`).
 * `tfjs-init --help` prints the options, from the tables below. Exit codes: 0 done, 1 failure while running,
 * 2 bad arguments or unwritable output.
 */
import { ALL_ARM_NAMES } from './arms';
import { BACKENDS, selectBackend } from './backend';
import { checkWritable, compare } from './compare';
import { defaultWorkers } from './pool';
import { diagnose } from './diagnose';
import { summaryTable } from './report';
import {
  OptionTable,
  UsageError,
  integer,
  listOf,
  oneOf,
  parseCommandLine,
  positiveInteger,
  usageLines,
} from './cli_options';
import { TASKS, TASK_CHOICES, armListFor, tasksFor } from './tasks';
import { WIDTH_TASK } from './width';
import { widthTransfer } from './width_task';

/** Options both commands take. */
const COMMON: OptionTable = {
  seed: {
    value: 'N',
    help: 'integer seed of every draw (compare: of the data split, and the first job seed)',
    default: 1,
    parse: integer,
  },
  backend: {
    value: 'B',
    help: `${BACKENDS.join('|')}: auto picks tfjs-node if it loads, else wasm, else cpu`,
    default: 'auto',
    parse: oneOf(BACKENDS, 'backend'),
  },
  out: { value: 'DIR', help: 'output folder', default: 'reports' },
};

/** `tfjs-init compare` options. */
const COMPARE: OptionTable = {
  task: {
    value: 'T',
    help: `${TASK_CHOICES.join('|')}|width\n(all: image, image-leaky, text, deep; residual: a 30-block residual MLP;\nvgg: a 30-conv VGG-style net on MNIST images, no normalization;\nrecurrent: sequence and memory, LSTMs over token ids; everything: every task; image runs\nthe ReLU and the LeakyReLU MLP; width: Adam's learning rate against width, standard\nparametrization and muP, MLPs of width ${WIDTH_TASK.widths.join(', ')}, not in everything)`,
    default: 'all',
    parse: (raw) => {
      if (raw !== 'width') tasksFor(raw);
      return raw;
    },
  },
  arms: {
    value: 'A,B',
    help: `comma-separated, from: ${ALL_ARM_NAMES.join(', ')}\n(default: the MLP tasks the first six, the deep task also init-model and lsuv; the\nresidual task stock-default, stock-he, orthogonal, lsuv, init-model, residual-preserve/zero/fixup;\nthe vgg task stock-default, init-model, init-model-predicted, lsuv;\nthe recurrent tasks stock-default, stock-forget-bias, init-model, chrono)`,
    parse: listOf((a) => {
      if (!ALL_ARM_NAMES.includes(a))
        throw new UsageError(`unknown arm '${a}'; known arms: ${ALL_ARM_NAMES.join(', ')}`);
      return a;
    }),
  },
  epochs: { value: 'N', help: "positive integer (default: each task's own)", parse: positiveInteger },
  steps: {
    value: 'N',
    help: `width task: Adam steps per run (default ${WIDTH_TASK.steps})`,
    parse: positiveInteger,
  },
  seeds: {
    value: 'N',
    help: "seeds per task: job seeds --seed, --seed + 1, ... (default: each task's own, 5 on deep, 3 elsewhere)",
    parse: positiveInteger,
  },
  workers: {
    value: 'N',
    help: 'worker threads running the jobs; 1: all in this thread (default: one per core; 1 with tfjs-node)',
    parse: positiveInteger,
  },
  limit: { value: 'N', help: 'use at most N examples per class/group (quick runs)', parse: positiveInteger },
  quiet: { help: 'no progress bar' },
  ...COMMON,
};

/** `tfjs-init diagnose <model.json>` options. */
const DIAGNOSE: OptionTable = {
  batch: { value: 'N', help: 'examples in the seeded batch', default: 256, parse: positiveInteger },
  training: { help: 'BatchNorm on batch statistics, dropout on (the default)' },
  inference: { help: 'BatchNorm on its moving statistics, dropout off' },
  chunk: {
    value: 'N',
    help: 'examples run at once (default: chunks that fit in about 128 MB)',
    parse: positiveInteger,
  },
  ...COMMON,
};

export const USAGE = [
  'usage: tfjs-init compare [options]',
  '       tfjs-init diagnose <model.json> [options]',
  '       tfjs-init --help',
  'compare: trains every arm (initializer) of each task on the same data in the same order; writes a report,',
  '  results.json, charts and the best model to --out.',
  ...usageLines(COMPARE),
  'diagnose: loads the model, feeds a seeded batch (token ids for an Embedding input, standard-normal values',
  '  otherwise), prints the std of pre-activations and activations per kernel layer with vanishing/exploding',
  '  flags and the data-free prediction, writes OUT/diagnose.svg; the model is not changed.',
  ...usageLines(DIAGNOSE),
].join('\n');

export interface ParsedArgs {
  command: 'compare' | 'diagnose' | 'help';
  task: string;
  /** null: each task's defaults */
  arms: string[] | null;
  epochs?: number;
  /** width task: steps per run */
  steps?: number;
  seeds?: number;
  /** absent: one per core (`defaultWorkers`) */
  workers?: number;
  /** diagnose: the model.json and batch size */
  model?: string;
  batch: number;
  seed: number;
  backend: string;
  out: string;
  limit?: number;
  quiet: boolean;
  /** diagnose: BatchNorm and dropout as in training (default) or inference; examples run at once */
  training: boolean;
  chunk?: number;
}

const TABLES = { compare: COMPARE, diagnose: DIAGNOSE } as const;

/** An option's default, from whichever command's table declares it. */
const fallback = <V>(name: string): V => (COMPARE[name] ?? DIAGNOSE[name]).default as V;

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [command, ...rest] = argv;
  const defaults = {
    task: fallback<string>('task'),
    arms: null,
    seed: fallback<number>('seed'),
    backend: fallback<string>('backend'),
    out: fallback<string>('out'),
    quiet: false,
    batch: fallback<number>('batch'),
    training: true,
  };
  if (command === undefined || ['--help', '-h', 'help'].includes(command) || rest.includes('--help'))
    return { command: 'help', ...defaults };
  if (command !== 'compare' && command !== 'diagnose')
    throw new UsageError(`unknown command ${JSON.stringify(command)}; the commands are compare and diagnose`);
  const other = command === 'compare' ? 'diagnose' : 'compare';
  const misplaced = rest.find(
    (a) => a.startsWith('--') && !(a.slice(2) in TABLES[command]) && a.slice(2) in TABLES[other],
  );
  if (misplaced) throw new UsageError(`${misplaced} is a ${other} option`);
  const { values: v, positionals, given } = parseCommandLine(TABLES[command], rest, command === 'diagnose' ? 1 : 0);
  if (command === 'diagnose' && positionals.length === 0)
    throw new UsageError('diagnose needs the path of a model.json');
  const args: ParsedArgs = {
    command,
    task: (v.task as string | undefined) ?? defaults.task,
    arms: (v.arms as string[] | undefined) ?? null,
    epochs: v.epochs as number | undefined,
    steps: v.steps as number | undefined,
    seeds: v.seeds as number | undefined,
    workers: v.workers as number | undefined,
    model: positionals[0],
    batch: (v.batch as number | undefined) ?? defaults.batch,
    seed: v.seed as number,
    backend: v.backend as string,
    out: v.out as string,
    limit: v.limit as number | undefined,
    quiet: v.quiet === true,
    // the last of --training / --inference wins
    training: given.filter((f) => f === 'training' || f === 'inference').pop() !== 'inference',
    chunk: v.chunk as number | undefined,
  };
  if (args.task === 'width') {
    const wrong = (['arms', 'epochs'] as const).find((k) => given.includes(k));
    if (wrong)
      throw new UsageError(`--${wrong} does not apply to task width (its grid is fixed; --steps sets its budget)`);
    return args;
  }
  if (args.steps !== undefined) throw new UsageError('--steps applies to task width only');
  if (args.arms !== null) {
    // every chosen task must know every chosen arm (MLP and recurrent tasks have their own arms)
    for (const name of tasksFor(args.task)) {
      const list = armListFor(TASKS[name]);
      const unknown = args.arms.filter((a) => !list.some((arm) => arm.name === a));
      if (unknown.length) {
        throw new UsageError(
          `arm ${unknown.map((a) => `'${a}'`).join(', ')} does not apply to task ${name}; its arms: ${list.map((a) => a.name).join(', ')}`,
        );
      }
    }
  }
  return args;
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** Runs the CLI and returns its exit code. */
export async function run(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) {
      io.err(`tfjs-init: ${error.message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (args.command === 'help') {
    io.out(USAGE);
    return 0;
  }
  try {
    checkWritable(args.out);
  } catch (error) {
    io.err(
      `tfjs-init: --out ${JSON.stringify(args.out)} is not a writable folder (${(error as Error).message})\n${USAGE}`,
    );
    return 2;
  }
  let backend: string;
  try {
    backend = await selectBackend(args.backend);
  } catch (error) {
    io.err(`tfjs-init: ${(error as Error).message}`);
    return 2;
  }
  // The file:// handler is registered after the backend, so that tfjs-node's own handler wins when it loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { writeFileAtomic } = require('tfjs-initializers/node') as typeof import('tfjs-initializers/node');
  io.out(`backend: ${backend}`);
  if (args.command === 'diagnose') return diagnose(args.model as string, args, writeFileAtomic, io);
  if (args.task === 'width') {
    const width = await widthTransfer(
      {
        seeds: args.seeds,
        seed: args.seed,
        limit: args.limit,
        steps: args.steps,
        workers: args.workers ?? defaultWorkers(backend),
        backend,
        out: args.out,
        command: `tfjs-init ${argv.join(' ')}`,
        quiet: args.quiet,
      },
      writeFileAtomic,
    );
    for (const s of width.summary) {
      const optima = s.curves.map((c) => `${c.width}: 2^${c.bestLog2LearningRate}`).join(', ');
      io.out(`${s.parametrization}: best learning rate per width ${optima}; moves ${Math.abs(s.shift)} grid step(s)`);
    }
    io.out(`\nreport: ${args.out}/width.md (${width.seconds.toFixed(0)} s)`);
    return 0;
  }
  const results = await compare(
    {
      tasks: tasksFor(args.task),
      arms: args.arms,
      epochs: args.epochs,
      seeds: args.seeds,
      workers: args.workers ?? defaultWorkers(backend),
      seed: args.seed,
      out: args.out,
      limit: args.limit,
      backend,
      command: `tfjs-init ${argv.join(' ')}`,
      quiet: args.quiet,
    },
    writeFileAtomic,
  );
  for (const t of results.tasks) {
    io.out(`\n${t.title} (${t.trainSize} train / ${t.testSize} test)\n${summaryTable(t)}`);
    if (t.savedModel)
      io.out(
        `saved best (${t.best}) to ${t.savedModel.path}; reloaded predictions ${t.savedModel.reloadedPredictionsIdentical ? 'identical' : 'DIFFER'}`,
      );
  }
  io.out(`\nreport: ${args.out}/report.md (${results.seconds.toFixed(0)} s)`);
  return 0;
}

/**
 * Runs the CLI as a program: sets the exit code; a failure prints one line (the stack with TFJS_INIT_DEBUG=1).
 * Called by `bin/tfjs-init.js` (through the built `dist/cli.js`).
 *
 * @public
 */
export function main(argv: readonly string[]): void {
  run(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`tfjs-init: ${(error as Error)?.message ?? String(error)}`);
      if (process.env.TFJS_INIT_DEBUG) console.error(error);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main(process.argv.slice(2));
