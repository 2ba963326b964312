import type { Command } from 'commander';

/** `dist tag REF NEWTAG…`: more tags for an existing manifest; no blob moves. */
export function register(program: Command): void {
  program
    .command('tag')
    .description('add tags to an existing manifest (no blob is transferred)')
    .argument('<ref>', 'source image reference (tag or digest)')
    .argument('<newtag...>', 'tags to create in the same repository')
    .action(async (reference: string, newTags: string[], _o: unknown, cmd: Command) => {
      const { openRemote, printJson, formatReference } = await import('../remote.js');
      const { isTag } = await import('../../ref/grammar.js');
      const { UsageError } = await import('../../errors/errors.js');
      for (const t of newTags) if (!isTag(t)) throw new UsageError(`invalid tag "${t}"`);
      const { repo, ref, g } = openRemote(cmd, reference);
      const desc = await repo.resolve(ref.digest ?? ref.tag!);
      for (const t of newTags) {
        await repo.tag(desc, t);
        const out = formatReference({ registry: ref.registry, repository: ref.repository, tag: t });
        if (g.json) printJson({ event: 'tagged', reference: out, digest: desc.digest });
        else if (!g.quiet) process.stdout.write(`${out}@${desc.digest}\n`);
      }
    });
}
