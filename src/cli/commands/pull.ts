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
    .addHelpText('after', '\nBlobs already in the layout are not fetched again; an interrupted pull resumes where it stopped.')
    .action(async (refArg: string, o: { output?: string; format?: 'oci-layout' | 'docker-archive' | 'oci-archive'; platform?: string; allPlatforms?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const { openDestination, openSource, defaultOutput, usage } = await import('../targets.js');
      const { runTransfer } = await import('../transfer.js');
      if (o.platform && o.allPlatforms) usage('--platform and --all-platforms exclude each other');
      const src = await openSource(refArg, g);
      const remote = src.remote ?? usage(`${refArg} is a local path: pull takes a registry reference (use dist copy for local → local)`);
      const out = o.output ?? defaultOutput(remote);
      const dst = await openDestination(out, g, { format: o.format ?? (out.endsWith('.tar') ? undefined : 'oci-layout'), tagFrom: src.remote });
      await runTransfer(g, 'pulled', src, dst, { platform: o.platform, allPlatforms: o.allPlatforms, hostDefault: true });
    });
}
