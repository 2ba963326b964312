import { Option, type Command } from 'commander';

interface Flags {
  addr: string;
  issuer: string;
  service: string;
  key?: string;
  cert?: string;
  jwksOut?: string;
  expiration: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
}

/** `dist token-server POLICY`: the docker token protocol issuer on its own address. */
export function register(program: Command): void {
  program
    .command('token-server')
    .description('run a token issuer (docker token protocol: GET with basic auth + scope, OAuth2 POST with refresh tokens) with per-repository rules from a YAML policy')
    .argument('<policy>', 'YAML: users (bcrypt passwords), groups, anonymous → "repository:pattern:actions" rules')
    .option('--addr <host:port>', 'listen address (port 0 picks a free port)', '127.0.0.1:5001')
    .option('--issuer <name>', 'the iss claim (auth.token.issuer of the registry)', 'dist-token-issuer')
    .option('--service <name>', 'the aud claim (auth.token.service of the registry)', 'dist-registry')
    .option('--key <file>', 'PEM signing key (default: a fresh P-256 key each start)')
    .option('--cert <file>', 'PEM certificate chain of --key: tokens carry x5c (registries trust it through auth.token.rootcertbundle)')
    .option('--jwks-out <file>', 'write the public JWKS here (registries trust it through auth.token.jwks)')
    .option('--expiration <duration>', 'access token lifetime', '5m')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate')
    .option('--tls-key <file>', 'private key for --tls-cert (mode 0600)')
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['error', 'warn', 'info', 'debug']).default('info'))
    .action(async (policy: string, f: Flags) => {
      const { UsageError } = await import('../../errors/errors.js');
      const { parseAddr } = await import('../../server/listen.js');
      const { parseDuration } = await import('../../server/notify/duration.js');
      const { jsonLogger, isLogLevel } = await import('../../server/observe/log.js');
      const { startTokenServer } = await import('../../server/token/server.js');
      const addr = parseAddr(f.addr);
      const ttl = parseDuration(f.expiration);
      if (ttl === undefined || ttl < 60_000) throw new UsageError(`--expiration must be a duration of at least 60s (got "${f.expiration}")`);
      if (!!f.tlsCert !== !!f.tlsKey) throw new UsageError('--tls-cert and --tls-key go together');
      const log = jsonLogger({ level: isLogLevel(f.logLevel) ? f.logLevel : 'info' });
      const s = await startTokenServer({
        ...addr, policyPath: policy, keyPath: f.key, certPath: f.cert, issuer: f.issuer, service: f.service, ttlMs: ttl,
        jwksOut: f.jwksOut, tls: f.tlsCert ? { certificate: f.tlsCert, key: f.tlsKey! } : undefined, log,
      });
      process.stderr.write(`dist token-server: listening on ${s.url} (realm ${s.realm}, service ${f.service}, issuer ${f.issuer})\n`);
      const signal = await new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      process.stderr.write(`dist token-server: ${signal}, shutting down\n`);
      await s.close();
    });
}
