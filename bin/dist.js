#!/usr/bin/env node
import { main } from '../build/cli/main.js';

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`dist: ${err?.message ?? err}\n`); process.exitCode = 1; },
);
