import type { Command } from 'commander';

interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/** `dist login REGISTRY`: check the credentials against the registry, then store them (docker config format). */
export function register(program: Command): void {
  program
    .command('login')
    .description('log in to a registry and save the credentials (docker config.json, or its credential helper)')
    .argument('<registry>', 'registry host[:port]')
    .option('-u, --username <user>', 'user name')
    .option('-p, --password <pass>', 'password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .action(async (registry: string, flags: LoginFlags, cmd: Command) => {
      const { registryName, repositoryOptions, printJson } = await import('../remote.js');
      const { globals } = await import('../options.js');
      const { UsageError } = await import('../../errors/errors.js');
      const { login } = await import('../../client/login.js');
      const { promptLine, readSecret } = await import('../secret.js');
      const g = globals(cmd);
      const name = registryName(registry);
      // on a terminal, ask as docker does; a script must say -u
      const username = flags.username ?? (flags.passwordStdin ? undefined : await promptLine('Username: '));
      if (!username) throw new UsageError('login needs --username (-u)');
      if (flags.password !== undefined && flags.passwordStdin) throw new UsageError('--password and --password-stdin exclude each other');
      const password = flags.password ?? (await readSecret(flags.passwordStdin ? undefined : 'Password: '));
      if (!password) throw new UsageError('empty password');
      const where = await login(name, username, password, { ...repositoryOptions(g), creds: undefined });
      if (g.json) printJson({ event: 'login', registry: name, username, stored: where });
      else if (!g.quiet) process.stderr.write(`Login succeeded (credentials stored in ${where})\n`);
    });
}
