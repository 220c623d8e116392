/**
 * The docs run as written: every js/ts block of the README and every `@example` of the sources (test/doctest.ts
 * finds them), each in a fresh temporary working folder; where the docs show a block's output, it must print
 * exactly that. Every class, function and namespace the package exports has an example.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DocBlock, readmeBlocks, runBlock, sourceExamples, typeCheck } from './doctest';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cwd = process.cwd();

async function check(block: DocBlock): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-init-doctest-'));
  process.chdir(dir);
  tf.engine().startScope();
  try {
    const { printed } = await runBlock(block, require, path.join(dir, `block.${block.language}`));
    if (block.output !== undefined) expect(printed).toBe(block.output.trimEnd());
  } finally {
    tf.engine().endScope();
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('README code blocks', () => {
  const blocks = readmeBlocks();
  it('are found (and each fragment says so in its info string)', () => {
    expect(blocks.length).toBeGreaterThan(5);
  });
  for (const block of blocks.filter((b) => !b.fragment)) {
    it(`${block.where} runs as written${block.output !== undefined ? ' and prints what the README shows' : ''}`, () =>
      check(block));
  }
});

describe('@example blocks', () => {
  const examples = sourceExamples();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require('../src/node') as Record<string, unknown>;
  // constants (tables, numbers) need none; classes, functions and namespaces of functions do
  const needing = Object.entries(api)
    .filter(
      ([, v]) =>
        typeof v === 'function' ||
        (typeof v === 'object' &&
          v !== null &&
          !Array.isArray(v) &&
          Object.values(v).some((f) => typeof f === 'function')),
    )
    .map(([name]) => name)
    .sort();

  it('every exported class, function and namespace has one', () => {
    expect(needing.length).toBeGreaterThan(50);
    expect(needing.filter((name) => !examples.get(name)?.some((b) => !b.fragment))).toEqual([]);
  });

  for (const [name, blocks] of [...examples].sort(([a], [b]) => a.localeCompare(b))) {
    for (const block of blocks.filter((b) => !b.fragment)) {
      it(`${name}: ${block.where} runs${block.output !== undefined ? ' and prints what it shows' : ''}`, () =>
        check(block));
    }
  }
});

describe('TypeScript blocks', () => {
  it("type-check under strict, as a user's project would compile them", () => {
    const blocks = [...readmeBlocks(), ...[...sourceExamples().values()].flat()].filter(
      (b) => b.language === 'ts' && !b.fragment,
    );
    expect(blocks.length).toBeGreaterThan(50);
    expect(typeCheck(blocks)).toEqual([]);
    // and the check bites: a misspelt option is a type error, named by its block and line
    const wrong: DocBlock = {
      where: 'probe',
      language: 'ts',
      code: "import { heNormal } from 'tfjs-initializers';\n\nheNormal({ negativeSlop: 0.2 });",
      fragment: false,
    };
    expect(typeCheck([wrong])).toEqual([expect.stringMatching(/^probe, line 3 of the block: .*'negativeSlop'/)]);
  });
});
