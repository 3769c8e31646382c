#!/usr/bin/env node
// Entry point of the `strata` command: runs the compiled CLI (built by `npm run build`).
require('../dist/main/cli.js').main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
