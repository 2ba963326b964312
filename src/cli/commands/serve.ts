import { type Command, Option } from 'commander';
import type { TeamFlags } from '../../server/team-config.js';

/** The team flags (auth, TLS, debug address) share their names with TeamFlags; these are the rest. */
interface ServeFlags extends TeamFlags {
  addr?: string;
  config?: string;
  readOnly?: boolean;
  delete?: boolean;
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  schema1?: boolean;
}

/** `dist serve [DIR]`: run the registry until SIGINT/SIGTERM. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('run an OCI / Docker V2 registry over DIR (distribution 2.8 on-disk layout)')
    .argument('[dir]', 'data directory, what distribution calls rootdirectory (default ./data)')
    .option('--addr <host:port>', 'listen address; port 0 picks a free port (default 127.0.0.1:5000)')
    .option('--config <file>', "distribution's YAML configuration (flags override it)")
    .option('--read-only', 'refuse every write with UNSUPPORTED (405)')
    .option('--delete', 'allow DELETE of manifests, tags and blobs (the default)')
    .option('--no-delete', 'refuse DELETE with UNSUPPORTED (405)')
    .addOption(new Option('--log-level <level>', 'access/error log level on stderr').choices(['error', 'warn', 'info', 'debug']))
    .option('--htpasswd <file>', 'require Basic auth against a bcrypt htpasswd file (auth.htpasswd)')
    .option('--token-issuer <policy>', 'token auth with the built-in issuer at /token, users and rules from a YAML policy (auth.tokenissuer)')
    .option('--anonymous-pull', 'let requests without credentials pull; writes still need them')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (http.tls.certificate)')
    .option('--tls-key <file>', 'private key for --tls-cert, mode 0600 (http.tls.key)')
    .option('--tls-client-ca <file...>', 'require client certificates signed by these CAs (mutual TLS)')
    .option('--debug-addr <host:port>', 'serve /debug/health and /metrics on this address (http.debug.addr)')
    .option('--schema1', 'accept and serve Docker schema 1 signed manifests (compatibility.schema1.enabled)')
    .action(async (dir: string | undefined, flags: ServeFlags) => {
      const { startServe } = await import('../../server/serve.js');
      const { addr, config, readOnly, delete: deleteEnabled, logLevel, schema1, ...team } = flags;
      const running = await startServe({ dir, addr, config, readOnly, deleteEnabled, logLevel, schema1, team });
      process.stderr.write(`dist serve: listening on ${running.url} (data in ${running.dir})\n`);
      for (const line of running.banner ?? []) process.stderr.write(`dist serve: ${line}\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      process.stderr.write(`dist serve: ${signal}, shutting down\n`);
      await running.close();
      process.stderr.write('dist serve: stopped\n');
    });
}
