#!/usr/bin/env node
// `dist --version` is answered before anything else loads: CI scripts call it often, and loading
// the CLI (commander and every command's options) costs more than the answer.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  // undici parses HTTP with llhttp compiled to WebAssembly; V8's optimizing compile of it costs ~35 MiB
  // of transient memory (peak RSS of a one-request command: 96 -> 62 MiB with Liftoff only) and no
  // measurable CPU on pull/push (the parser only frames bodies).
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--liftoff-only');
  // A reader that goes away (`dist tags … | head -1`) is the end of the output, not an error: stop
  // quietly with the status a process killed by SIGPIPE has (128 + 13), as Go and C tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (err?.code === 'EPIPE') process.exit(141);
      throw err;
    });
  }
  const { main } = await import('../build/cli/main.js');
  try {
    process.exitCode = await main(process.argv);
  } catch (err) {
    process.stderr.write(`dist: ${err?.message ?? err}\n`);
    process.exitCode = 1;
  }
}
