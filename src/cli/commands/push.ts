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
    .action(async (src: string, ref: string, o: { platform?: string }, cmd: Command) => {
      const g = globals(cmd);
      const [{ repositoryOptions }, { runTransfer }, { push }, { parsePlatform }] = await Promise.all([
        import('../remote.js'), import('../transfer.js'), import('../../copy/api.js'), import('../../oci/platform.js'),
      ]);
      const platform = o.platform ? parsePlatform(o.platform) : undefined;
      await runTransfer(g, 'pushed', src, (onEvent, signal) => push(src, ref, { ...repositoryOptions(g), platform, jobs: g.jobs, onEvent, signal }));
    });
}
