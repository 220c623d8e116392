/**
 * Command-line options declared once: each option's value, help, default and check live in one table, which
 * `node:util`'s parseArgs parses and the usage text is printed from. Used by `tfjs-init` and `npm run bench`.
 */
import { parseArgs } from 'node:util';

/** A bad command line: the message says what was wrong; the caller prints it with the usage and exits 2. */
export class UsageError extends Error {}

/** One option: `--name VALUE` (or a switch `--name` when `value` is absent). */
interface CliOption {
  /** The value's placeholder in the usage text (`N`, `DIR`); absent for a switch. */
  readonly value?: string;
  /** What it does, for the usage text. */
  readonly help: string;
  /** The value when the option is not given, as parsed; shown in the usage text unless `showDefault` is false. */
  readonly default?: unknown;
  /** Whether the usage text shows the default (false where the help says it in words). */
  readonly showDefault?: boolean;
  /** Checks the raw value and converts it; throws UsageError naming the flag and the value. */
  readonly parse?: (raw: string, flag: string) => unknown;
}

/** Options by name (without the leading `--`). */
export type OptionTable = Readonly<Record<string, CliOption>>;

/** What a command line holds: every option of the table (defaults filled in), the positionals, the flags given. */
export interface ParsedCommandLine {
  values: Record<string, unknown>;
  positionals: string[];
  /** The flags in the order given (for switches where the last one wins). */
  given: string[];
}

const quoted = (v: string | undefined): string => (v === undefined ? 'nothing' : JSON.stringify(v));

/** A positive integer. */
export function positiveInteger(raw: string, flag: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a positive integer; got ${quoted(raw)}`);
  }
  return n;
}

/** Any integer (a seed). */
export function integer(raw: string, flag: string): number {
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`${flag} must be an integer; got ${quoted(raw)}`);
  }
  return Number(raw);
}

/** One of `choices`; `what` names the kind of value in the message (`backend`). */
export function oneOf(choices: readonly string[], what: string): (raw: string) => string {
  return (raw) => {
    if (!choices.includes(raw))
      throw new UsageError(`unknown ${what} ${quoted(raw)}; choose one of ${choices.join(', ')}`);
    return raw;
  };
}

/** A comma-separated list, each entry checked by `each`. */
export function listOf(each: (raw: string) => string): (raw: string) => string[] {
  return (raw) => raw.split(',').filter(Boolean).map(each);
}

/**
 * Parses `argv` against `table` with node:util's parseArgs (strict). Unknown options, a missing value and too
 * many positionals throw UsageError; each value goes through its option's `parse`. A value that starts with `-`
 * (`--seed -3`) is taken as the value, unless it is one of the table's flags.
 */
export function parseCommandLine(table: OptionTable, argv: readonly string[], maxPositionals = 0): ParsedCommandLine {
  const flags = new Set(Object.keys(table).map((name) => `--${name}`));
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const takesValue = flags.has(argv[i]) && table[argv[i].slice(2)].value !== undefined;
    const next = argv[i + 1];
    if (takesValue && next !== undefined && next.startsWith('-') && !flags.has(next)) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else args.push(argv[i]);
  }
  const options = Object.fromEntries(
    Object.entries(table).map(([name, o]) => [name, { type: o.value === undefined ? 'boolean' : 'string' }] as const),
  );
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; tokens: true; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    const message = (error as Error).message;
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
    const code = (error as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /does not take an argument/.test(message)) {
      throw new UsageError(`${flag} takes no value`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${flag} needs a value`);
    throw new UsageError(message);
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals];
    throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  }
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(table)) {
    const raw = (parsed.values as Record<string, string | boolean | undefined>)[name];
    if (raw === undefined) values[name] = o.default ?? (o.value === undefined ? false : undefined);
    else values[name] = typeof raw === 'string' && o.parse ? o.parse(raw, `--${name}`) : raw;
  }
  const given = parsed.tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : []));
  return { values, positionals: parsed.positionals, given };
}

const defaultText = (v: unknown): string => (Array.isArray(v) ? v.join(',') : String(v));

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** The usage lines of a table: `  --name VALUE  help (default D)`, help wrapped and aligned. */
export function usageLines(table: OptionTable, indent = '  ', lineWidth = 110): string[] {
  const heads = Object.entries(table).map(([name, o]) => `${indent}--${name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  return Object.values(table).flatMap((o, i) => {
    const shown = o.default !== undefined && o.showDefault !== false ? ` (default ${defaultText(o.default)})` : '';
    const [first, ...rest] = o.help.split('\n');
    const lines = [`${first}${shown}`, ...rest].flatMap((line) => wrap(line, lineWidth - width));
    return lines.map((line, j) => (j === 0 ? heads[i].padEnd(width) : ' '.repeat(width)) + line);
  });
}
