import type { Command } from 'commander';

/** `dist digest REF`: the manifest digest a tag points at. */
export function register(program: Command): void {
  program
    .command('digest')
    .description('print the digest of the manifest REF points at')
    .argument('<ref>', 'image reference')
    .action(async (reference: string, _o: unknown, cmd: Command) => {
      const { openRemote, printJson, formatReference } = await import('../remote.js');
      const { repo, ref, g } = openRemote(cmd, reference);
      const desc = await repo.resolve(ref.digest ?? ref.tag!);
      if (g.json) printJson({ reference: formatReference(ref), digest: desc.digest, mediaType: desc.mediaType, size: desc.size });
      else process.stdout.write(`${desc.digest}\n`);
    });
}
