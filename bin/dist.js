#!/usr/bin/env node
// `dist --version` is answered before anything else loads: CI scripts call it often, and loading
// the CLI (commander and every command's options) costs more than the answer.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await import('../build/cli/main.js');
  try {
    process.exitCode = await main(process.argv);
  } catch (err) {
    process.stderr.write(`dist: ${err?.message ?? err}\n`);
    process.exitCode = 1;
  }
}
