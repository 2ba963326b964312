import { Option, type Command } from 'commander';
import { globals } from '../options.js';

/** `dist push SRC REF`: OCI layout / docker-archive / OCI archive → registry. */
export function register(program: Command): void {
  program
    .command('push')
    .description('upload a local image (OCI layout DIR, DIR:tag, DIR@digest, docker-archive or OCI archive) to a registry')
    .argument('<src>', 'local image: DIR, DIR:tag, DIR@sha256:…, FILE.tar, FILE.tar:name:tag')
    .argument('<ref>', 'destination reference, e.g. 127.0.0.1:5000/team/app:v1')
    .option('--platform <os/arch[/variant]>', 'push only this platform of a multi-platform image')
    .option('--referrers', 'also copy the referrers of the image (signatures, SBOMs, attestations: OCI 1.1), recursively')
    .addOption(new Option('--format <format>', 'v2s1: convert to a signed Docker schema 1 manifest (legacy registries)').choices(['v2s1']))
    .option('--sign-key <file>', 'libtrust private key (JWK or PEM) to sign the schema 1 manifest (default: a throwaway key)')
    .addHelpText('after', '\nBlobs the repository already has are skipped (a HEAD each); uploads resume after an interruption. (Mounting from another repository is what copy does between two repositories of one registry.)')
    .action(async (src: string, ref: string, o: { platform?: string; referrers?: boolean; format?: 'v2s1'; signKey?: string }, cmd: Command) => {
      const g = globals(cmd);
      const [{ repositoryOptions }, { runTransfer }, { push }, { parsePlatform }] = await Promise.all([
        import('../remote.js'), import('../transfer.js'), import('../../copy/api.js'), import('../../oci/platform.js'),
      ]);
      const platform = o.platform ? parsePlatform(o.platform) : undefined;
      const signKey = o.signKey ? await (await import('../../legacy/api.js')).loadPrivateKey(o.signKey) : undefined;
      if (signKey && o.format !== 'v2s1') throw new (await import('../../errors/errors.js')).UsageError('--sign-key goes with --format v2s1');
      await runTransfer(g, 'pushed', src, (onEvent, signal) => push(src, ref, { ...repositoryOptions(g), platform, referrers: o.referrers, jobs: g.jobs, onEvent, signal, format: o.format, signKey }));
    });
}
