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
    .addOption(new Option('--format <format>', 'format of a local destination').choices(['oci-layout', 'docker-archive', 'oci-archive']))
    .action(async (srcArg: string, dstArg: string, o: { platform?: string; format?: 'oci-layout' | 'docker-archive' | 'oci-archive' }, cmd: Command) => {
      const g = globals(cmd);
      const { openDestination, openSource, repositoryOptions } = await import('../targets.js');
      const { runTransfer } = await import('../transfer.js');
      const shared = repositoryOptions(g);
      const src = await openSource(srcArg, g, shared);
      const dst = await openDestination(dstArg, g, { format: o.format, tagFrom: src.remote, shared });
      await runTransfer(g, 'copied', src, dst, { platform: o.platform });
    });
}
