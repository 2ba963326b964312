import type { Command } from 'commander';

/** `dist tags REPO`: every tag, following pagination. */
export function register(program: Command): void {
  program
    .command('tags')
    .description('list the tags of a repository (follows Link pagination)')
    .argument('<repo>', 'repository, e.g. localhost:5000/team/app')
    .option('--page-size <n>', 'ask the registry for pages of this size (n=)')
    .action(async (repository: string, o: { pageSize?: string }, cmd: Command) => {
      const { openRemote, printPages } = await import('../remote.js');
      const { forOption, parsePositiveInt } = await import('../options.js');
      const { repo, ref, g } = openRemote(cmd, repository, { defaultTag: false });
      if (ref.tag || ref.digest) {
        const { UsageError } = await import('../../errors/errors.js');
        throw new UsageError(`"${repository}" names an image; give the repository only`);
      }
      const pageSize = o.pageSize ? forOption('--page-size', parsePositiveInt)(o.pageSize) : undefined;
      await printPages(repo.tagPages({ pageSize }), 'tag', g);
    });
}
