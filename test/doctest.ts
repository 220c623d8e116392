/**
 * Doctests: the README's js/ts code blocks and every `@example` in the sources' doc comments, found and run as
 * written. A block whose info string says `fragment` (```` ```ts fragment ````) is shown, not run; a ```` ```text
 * output ```` block right after a code block is what that block must print.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { format } from 'util';

/** One runnable piece of documentation. */
export interface DocBlock {
  /** Where it is: `README.md:45` or `src/initializers/presets.ts:30 (HeNormal)`. */
  where: string;
  /** Its language: js or ts. */
  language: 'js' | 'ts';
  code: string;
  /** The exact output the docs show for it, if any. */
  output?: string;
  /** Shown, not run. */
  fragment: boolean;
}

const root = path.resolve(__dirname, '..');
const LANGUAGES: Record<string, 'js' | 'ts'> = { js: 'js', javascript: 'js', ts: 'ts', typescript: 'ts' };
const FENCE = /^( *)```(.*)$/;

/** The fenced blocks of markdown text (lines already stripped of any comment prefix), with their first line. */
function fencedBlocks(lines: readonly string[]): Array<{ info: string[]; body: string; line: number }> {
  const blocks: Array<{ info: string[]; body: string; line: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^ *```\s*$/.test(lines[j]); j++) body.push(lines[j].slice(indent));
    blocks.push({ info: open[2].trim().split(/\s+/).filter(Boolean), body: body.join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** Code blocks with their outputs: a `text output` block belongs to the code block before it. */
function codeBlocks(lines: readonly string[], where: (line: number) => string): DocBlock[] {
  const out: DocBlock[] = [];
  const blocks = fencedBlocks(lines);
  for (const [k, b] of blocks.entries()) {
    const language = LANGUAGES[b.info[0] ?? ''];
    if (!language) continue;
    const next = blocks[k + 1];
    const output = next && next.info[0] === 'text' && next.info.includes('output') ? next.body : undefined;
    out.push({ where: where(b.line), language, code: b.body, output, fragment: b.info.includes('fragment') });
  }
  return out;
}

/** The README's js/ts blocks. */
export function readmeBlocks(): DocBlock[] {
  const lines = fs.readFileSync(path.join(root, 'README.md'), 'utf8').split('\n');
  return codeBlocks(lines, (line) => `README.md:${line}`);
}

/** Every `.ts` file under a folder. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** The declarations of a source file with doc comments holding `@example`, by name, with their examples. */
function examplesOf(file: string): Map<string, DocBlock[]> {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found = new Map<string, DocBlock[]>();
  const rel = path.relative(root, file);
  const visit = (node: ts.Node): void => {
    // declarations only: a variable's comment belongs to its statement (its declaration and initializer repeat it)
    const owner =
      ts.isClassDeclaration(node) ||
      ts.isFunctionDeclaration(node) ||
      ts.isVariableStatement(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isInterfaceDeclaration(node) ||
      ts.isTypeAliasDeclaration(node);
    for (const doc of owner ? ts.getJSDocCommentsAndTags(node) : []) {
      if (!ts.isJSDoc(doc)) continue;
      const name = declarationName(node);
      for (const tag of doc.tags ?? []) {
        if (tag.tagName.text !== 'example') continue;
        const comment = ts.getTextOfJSDocComment(tag.comment) ?? '';
        const line = source.getLineAndCharacterOfPosition(tag.getStart()).line + 1;
        const blocks = codeBlocks(comment.split('\n'), () => `${rel}:${line} (${name})`);
        found.set(name, [...(found.get(name) ?? []), ...blocks]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function declarationName(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  if (ts.isVariableStatement(node)) {
    const first = node.declarationList.declarations[0];
    if (ts.isIdentifier(first.name)) return first.name.text;
  }
  return '?';
}

/** Every `@example` under src/, by declaration name. */
export function sourceExamples(): Map<string, DocBlock[]> {
  const all = new Map<string, DocBlock[]>();
  for (const file of sourceFiles(path.join(root, 'src'))) {
    for (const [name, blocks] of examplesOf(file)) all.set(name, [...(all.get(name) ?? []), ...blocks]);
  }
  return all;
}

/** What running a block printed. */
export interface DocRun {
  printed: string;
}

/**
 * Runs a block as a CommonJS module body (TypeScript transpiled, top-level await allowed) with `requireFn`
 * resolving its imports; console.log and console.error lines are collected, not printed.
 */
export async function runBlock(block: DocBlock, requireFn: NodeRequire, file: string): Promise<DocRun> {
  const js = ts.transpileModule(block.code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: block.language === 'ts' ? 'block.ts' : 'block.js',
  }).outputText;
  const lines: string[] = [];
  const print = (...parts: unknown[]): void => {
    lines.push(format(...parts));
  };
  const quietConsole = { ...console, log: print, error: print, info: print };
  const module = { exports: {} };
  const body = new Function(
    'require',
    'module',
    'exports',
    'console',
    '__filename',
    '__dirname',
    `return (async () => {\n${js}\n})();`,
  ) as (...args: unknown[]) => Promise<void>;
  await body(requireFn, module, module.exports, quietConsole, file, path.dirname(file));
  return { printed: lines.join('\n') };
}

/**
 * Type-checks the TypeScript blocks as a user's strict project would (each block a module; the package name
 * resolved to the sources); returns one line per error, prefixed with the block's place.
 */
export function typeCheck(blocks: readonly DocBlock[]): string[] {
  // inside the repository (its node_modules resolve the imports), in the git-ignored .tmp/
  fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, '.tmp', 'doctest-'));
  try {
    const files = blocks.map((b, i) => {
      const file = path.join(dir, `block${i}.ts`);
      fs.writeFileSync(file, b.code);
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: ['node'],
      typeRoots: [path.join(root, 'node_modules', '@types')],
      baseUrl: root,
      paths: {
        'tfjs-initializers': ['src/index.ts'],
        'tfjs-initializers/node': ['src/node.ts'],
      },
    });
    return ts.getPreEmitDiagnostics(program).flatMap((d) => {
      const index = d.file ? files.indexOf(d.file.fileName) : -1;
      if (d.file && index < 0) return []; // the library's own files: its lint type-checks them
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      const where = index >= 0 ? `${blocks[index].where}, line ${at} of the block` : 'options';
      return [`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`];
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
