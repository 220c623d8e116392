#!/usr/bin/env node
/**
 * tfjs-init: compare weight initializers on real data.
 *   tfjs-init compare [--task image|text|deep|sequence|memory|recurrent|all|everything] [--arms a,b] [--epochs N] [--seed N]
 *                     [--backend auto|tensorflow|wasm|cpu] [--out DIR] [--limit N] [--quiet]
 * Exit codes: 0 done, 1 failure while running, 2 bad arguments or unwritable output.
 */
import { ALL_ARM_NAMES } from './arms';
import { BACKENDS, selectBackend } from './backend';
import { checkWritable, compare } from './compare';
import { diagnose } from './diagnose';
import { summaryTable } from './report';
import { TASKS, TASK_CHOICES, armListFor, tasksFor } from './tasks';

export const USAGE = `usage: tfjs-init compare [options]
       tfjs-init diagnose <model.json> [--batch N] [--training|--inference] [--chunk N] [--seed N] [--backend B] [--out DIR]
compare options:
  --task    ${TASK_CHOICES.join('|')}
            (default all: image, image-leaky, text, deep; residual: a 30-block residual MLP;
            recurrent: sequence and memory, LSTMs over token ids; everything: every task; image runs
            the ReLU and the LeakyReLU MLP)
  --arms    comma-separated, from: ${ALL_ARM_NAMES.join(', ')}
            (default: the MLP tasks the first six, the deep task also init-model and lsuv; the
            residual task stock-default, stock-he, init-model, residual-preserve/zero/fixup; the
            recurrent tasks stock-default, stock-forget-bias, init-model, chrono)
  --epochs  positive integer (default: each task's own)
  --seed    integer (default 1)
  --backend ${BACKENDS.join('|')} (default auto: tfjs-node if it loads, else wasm, else cpu)
  --out     output folder (default reports)
  --limit   use at most N examples per class/group (quick runs)
  --quiet   no progress bar
diagnose: loads the model, feeds a seeded batch of N inputs (default 256; token ids for an Embedding input,
  standard-normal values otherwise), prints the std of pre-activations and activations per kernel layer with
  vanishing/exploding flags and the data-free prediction, writes OUT/diagnose.svg. --training (default) runs
  BatchNorm on batch statistics and dropout on, --inference on the moving statistics; the model is not changed.
  The batch runs in chunks that fit in about 128 MB (--chunk N: N examples at once).`;

export class UsageError extends Error {}

export interface ParsedArgs {
  command: 'compare' | 'diagnose' | 'help';
  task: string;
  /** null: each task's defaults */
  arms: string[] | null;
  epochs?: number;
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

function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `${flag} must be a positive integer; got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
    );
  }
  return n;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [command, ...rest] = argv;
  const base = {
    task: 'all',
    arms: null,
    seed: 1,
    backend: 'auto',
    out: 'reports',
    quiet: false,
    batch: 256,
    training: true,
  };
  if (command === undefined || command === '--help' || command === '-h' || command === 'help')
    return { command: 'help', ...base };
  if (command !== 'compare' && command !== 'diagnose')
    throw new UsageError(`unknown command ${JSON.stringify(command)}; the commands are compare and diagnose`);
  const args: ParsedArgs = { command, ...base };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (command === 'diagnose' && args.model === undefined && !flag.startsWith('--')) {
      args.model = flag;
      continue;
    }
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--task':
        args.task = value();
        tasksFor(args.task);
        break;
      case '--arms':
        args.arms = value().split(',').filter(Boolean);
        for (const a of args.arms) {
          if (!ALL_ARM_NAMES.includes(a))
            throw new UsageError(`unknown arm '${a}'; known arms: ${ALL_ARM_NAMES.join(', ')}`);
        }
        break;
      case '--epochs':
        args.epochs = positiveInt(flag, value());
        break;
      case '--limit':
        args.limit = positiveInt(flag, value());
        break;
      case '--batch':
        args.batch = positiveInt(flag, value());
        break;
      case '--seed': {
        const v = value();
        if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
          throw new UsageError(`--seed must be an integer; got ${JSON.stringify(v)}`);
        args.seed = Number(v);
        break;
      }
      case '--backend':
        args.backend = value();
        if (!BACKENDS.includes(args.backend))
          throw new UsageError(`unknown backend ${JSON.stringify(args.backend)}; choose one of ${BACKENDS.join(', ')}`);
        break;
      case '--out':
        args.out = value();
        break;
      case '--quiet':
        args.quiet = true;
        break;
      case '--training':
      case '--inference':
        if (command !== 'diagnose') throw new UsageError(`${flag} is a diagnose option`);
        args.training = flag === '--training';
        break;
      case '--chunk':
        args.chunk = positiveInt(flag, value());
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
    }
  }
  if (command === 'diagnose' && args.model === undefined)
    throw new UsageError('diagnose needs the path of a model.json');
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
  const results = await compare(
    {
      tasks: tasksFor(args.task),
      arms: args.arms,
      epochs: args.epochs,
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

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      // one line, not a stack: what failed; the stack with TFJS_INIT_DEBUG=1
      console.error(`tfjs-init: ${(error as Error)?.message ?? String(error)}`);
      if (process.env.TFJS_INIT_DEBUG) console.error(error);
      process.exitCode = 1;
    },
  );
}
