import { Option, type Command } from 'commander';
import { globals } from '../options.js';

/** `dist copy SRC DST`: registry → registry (digests kept, mounts within a registry), and local ↔ registry. */
export function register(program: Command): void {
  program
    .command('copy')
    .alias('cp')
    .description('copy an image between registries, repositories, layouts and archives, keeping digests')
    .argument('<src>', 'registry reference or local image (DIR[:tag|@digest], FILE.tar)')
    .argument('<dst>', 'registry reference or local path (DIR[:tag], FILE.tar)')
    .option('--platform <os/arch[/variant]>', 'only this platform of an index (default: all platforms)')
    .option('--all-platforms', 'keep the whole index (the default for copy; accepted as pull has it)')
    .option('--all-tags', 'copy every tag of the source repository or layout (SRC and DST without a tag)')
    .option('--referrers', 'also copy the referrers of the image (signatures, SBOMs, attestations: OCI 1.1), recursively')
    .addOption(new Option('--format <format>', 'format of a local destination').choices(['oci-layout', 'docker-archive', 'oci-archive']))
    .action(async (src: string, dst: string, o: { platform?: string; allPlatforms?: boolean; allTags?: boolean; referrers?: boolean; format?: 'oci-layout' | 'docker-archive' | 'oci-archive' }, cmd: Command) => {
      const g = globals(cmd);
      const [{ repositoryOptions }, { runTransfer }, { copy }, { copyAllTags }, { parsePlatform }] = await Promise.all([
        import('../remote.js'), import('../transfer.js'), import('../../copy/api.js'), import('../../copy/all-tags.js'), import('../../oci/platform.js'),
      ]);
      if (o.platform && o.allPlatforms) {
        const { UsageError } = await import('../../errors/errors.js');
        throw new UsageError('--platform and --all-platforms exclude each other');
      }
      const platform = o.platform ? parsePlatform(o.platform) : undefined;
      const opts = { ...repositoryOptions(g), format: o.format, platform, referrers: o.referrers, jobs: g.jobs };
      if (o.allTags) await runTransfer(g, 'copied', src, (onEvent, signal, onResult) => copyAllTags(src, dst, { ...opts, onEvent, signal, onResult }));
      else await runTransfer(g, 'copied', src, (onEvent, signal) => copy(src, dst, { ...opts, onEvent, signal }));
    });
}
