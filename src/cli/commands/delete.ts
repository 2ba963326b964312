import type { Command } from 'commander';

/** `dist delete REF`: resolve a tag, then delete the manifest by digest (works on distribution 2.8). */
export function register(program: Command): void {
  program
    .command('delete')
    .description('delete a manifest (a tag is resolved first; every tag pointing at it goes too)')
    .argument('<ref>', 'image reference (tag or digest)')
    .action(async (reference: string, _o: unknown, cmd: Command) => {
      const { openRemote, printJson, formatReference } = await import('../remote.js');
      const { repo, ref, g } = openRemote(cmd, reference);
      const digest = await repo.deleteManifest(ref.digest ?? ref.tag!);
      if (g.json) printJson({ event: 'deleted', reference: formatReference(ref), digest });
      else if (!g.quiet) process.stdout.write(`deleted ${formatReference({ ...ref, tag: undefined, digest })}\n`);
    });
}
