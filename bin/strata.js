#!/usr/bin/env node
// Entry point of the `strata` command: runs the compiled CLI, or the TypeScript sources through tsx
// when the repository has not been built yet (`npx strata` straight after `npm ci`).
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, '..', 'dist', 'main', 'cli.js');
let cli;
if (fs.existsSync(compiled)) {
  cli = require(compiled);
} else {
  require('tsx/cjs');
  cli = require(path.join(__dirname, '..', 'main', 'cli.ts'));
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
