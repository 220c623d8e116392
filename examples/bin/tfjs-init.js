#!/usr/bin/env node
// `npx tfjs-init ...` from the repository root: runs the built CLI (examples/dist/cli.js), building the library and
// the examples first when they have not been built yet (a fresh `npm install` has built nothing).
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const examples = path.join(__dirname, '..');
const cli = path.join(examples, 'dist', 'cli.js');
if (!fs.existsSync(cli) || !fs.existsSync(path.join(examples, '..', 'dist', 'cjs', 'index.js'))) {
  console.error('tfjs-init: first run: building the library and the CLI (npm run build && npm run build:examples)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const root = path.join(examples, '..');
  for (const script of ['build', 'build:examples']) {
    execFileSync(npm, ['run', '--silent', script], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}
require(cli).main(process.argv.slice(2));
