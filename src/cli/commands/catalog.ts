import type { Command } from 'commander';

/** `dist catalog REGISTRY`: every repository (`/v2/_catalog`, paginated). */
export function register(program: Command): void {
  program
    .command('catalog')
    .description('list the repositories of a registry (/v2/_catalog, follows pagination)')
    .argument('<registry>', 'registry host[:port]')
    .option('--page-size <n>', 'ask the registry for pages of this size (n=)')
    .action(async (registry: string, o: { pageSize?: string }, cmd: Command) => {
      const { openRegistry, printPages } = await import('../remote.js');
      const { forOption, parsePositiveInt } = await import('../options.js');
      const { reg, g } = openRegistry(cmd, registry);
      const pageSize = o.pageSize ? forOption('--page-size', parsePositiveInt)(o.pageSize) : undefined;
      await printPages(reg.catalogPages({ pageSize }), 'repository', g);
    });
}
