import type { Command } from 'commander';
import { globals } from '../options.js';

/** `dist push SRC REF`: OCI layout / docker-archive / OCI archive → registry. */
export function register(program: Command): void {
  program
    .command('push')
    .description('upload a local image (OCI layout DIR, DIR:tag, DIR@digest, docker-archive or OCI archive) to a registry')
    .argument('<src>', 'local image: DIR, DIR:tag, DIR@sha256:…, FILE.tar, FILE.tar:name:tag')
    .argument('<ref>', 'destination reference, e.g. 127.0.0.1:5000/team/app:v1')
    .option('--platform <os/arch[/variant]>', 'push only this platform of a multi-platform image')
    .addHelpText('after', '\nBlobs the registry has are skipped, blobs of another repository are mounted; uploads resume after an interruption.')
    .action(async (srcArg: string, refArg: string, o: { platform?: string }, cmd: Command) => {
      const g = globals(cmd);
      const { openDestination, repositoryOptions, usage } = await import('../targets.js');
      const { isLocalSpec, parseLocalSpec, openLocalSource } = await import('../../content/local.js');
      const { runTransfer } = await import('../transfer.js');
      if (!(await isLocalSpec(srcArg))) usage(`${srcArg}: not a local layout or archive (use dist copy for registry → registry)`);
      const local = await parseLocalSpec(srcArg);
      const { target } = await openLocalSource(local.path);
      const dst = await openDestination(refArg, g, { shared: repositoryOptions(g) });
      if (!dst.remote) usage(`${refArg}: push needs a registry reference`);
      await runTransfer(g, 'pushed', { target, reference: local.reference, display: srcArg }, dst, { platform: o.platform });
    });
}
