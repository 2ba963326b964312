import type { Command } from 'commander';

/** `dist blob REPO@DIGEST [-o FILE]`: one blob, verified (crane blob, oras blob fetch). */
export function register(program: Command): void {
  program
    .command('blob')
    .description('fetch one blob by digest, verified, to stdout or a file')
    .argument('<ref>', 'REPO@sha256:… (a layer, a config, an attached file)')
    .option('-o, --output <file>', 'write to FILE (replaced only once the digest matched) instead of stdout')
    .action(async (reference: string, o: { output?: string }, cmd: Command) => {
      const [{ globals }, { repositoryOptions, printJson }, { getBlob }] = await Promise.all([
        import('../options.js'), import('../remote.js'), import('../../copy/blob-get.js'),
      ]);
      const g = globals(cmd);
      if (!o.output && g.json) {
        const { UsageError } = await import('../../errors/errors.js');
        throw new UsageError('--json needs -o FILE (stdout carries the blob)');
      }
      const desc = await getBlob(reference, o.output ? { path: o.output } : { stream: process.stdout }, repositoryOptions(g));
      if (o.output && g.json) printJson({ reference, digest: desc.digest, size: desc.size, output: o.output });
      else if (o.output && !g.quiet) process.stderr.write(`wrote ${desc.size} bytes of ${desc.digest} to ${o.output}\n`);
    });
}
