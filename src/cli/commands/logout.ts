import type { Command } from 'commander';

/** `dist logout REGISTRY`: forget stored credentials. */
export function register(program: Command): void {
  program
    .command('logout')
    .description('remove the stored credentials of a registry')
    .argument('<registry>', 'registry host[:port]')
    .action(async (registry: string, _o: unknown, cmd: Command) => {
      const { registryName, printJson } = await import('../remote.js');
      const { globals } = await import('../options.js');
      const { removeLogin } = await import('../../auth/login-store.js');
      const g = globals(cmd);
      const name = registryName(registry);
      const removed = await removeLogin(name);
      if (g.json) printJson({ event: 'logout', registry: name, removed });
      else if (!g.quiet) process.stderr.write(removed ? `Removed login credentials for ${name}\n` : `Not logged in to ${name}\n`);
    });
}
