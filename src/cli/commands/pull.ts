import { Option, type Command } from 'commander';
import { globals } from '../options.js';

/** `dist pull REF [-o PATH]`: registry → OCI layout directory, docker-archive or OCI archive. */
export function register(program: Command): void {
  program
    .command('pull')
    .description('fetch an image into an OCI image layout directory (default: named after the repository), or a tarball')
    .argument('<ref>', 'image reference, e.g. 127.0.0.1:5000/team/app:v1 or ubuntu')
    .option('-o, --output <path>', 'layout directory (shared by several pulls), or FILE.tar for a docker-archive')
    .addOption(new Option('--format <format>', 'output format').choices(['oci-layout', 'docker-archive', 'oci-archive']))
    .option('--platform <os/arch[/variant]>', 'only this platform of a multi-platform image')
    .option('--all-platforms', 'keep the whole index (default: the host platform when the image has one)')
    .option('--referrers', 'also copy the referrers of the image (signatures, SBOMs, attestations: OCI 1.1), recursively')
    .addHelpText('after', '\nBlobs already in the layout are not fetched again; an interrupted pull resumes where it stopped.')
    .action(async (ref: string, o: { output?: string; format?: 'oci-layout' | 'docker-archive' | 'oci-archive'; platform?: string; allPlatforms?: boolean; referrers?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const [{ repositoryOptions }, { runTransfer }, { pull }, { parsePlatform }] = await Promise.all([
        import('../remote.js'), import('../transfer.js'), import('../../copy/api.js'), import('../../oci/platform.js'),
      ]);
      const platform = o.platform ? parsePlatform(o.platform) : undefined;
      await runTransfer(g, 'pulled', ref, (onEvent, signal) =>
        pull(ref, { ...repositoryOptions(g), output: o.output, format: o.format, platform, allPlatforms: o.allPlatforms, referrers: o.referrers, jobs: g.jobs, onEvent, signal }));
    });
}
