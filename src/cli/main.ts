import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { errorLine, Exit, exitCodeFor } from './exit.js';
import { forOption, parseDuration, parsePositiveInt, parseSize } from './options.js';
import { register as attach } from './commands/attach.js';
import { register as blob } from './commands/blob.js';
import { register as catalog } from './commands/catalog.js';
import { register as copy } from './commands/copy.js';
import { register as del } from './commands/delete.js';
import { register as digest } from './commands/digest.js';
import { register as gc } from './commands/gc.js';
import { register as inspect } from './commands/inspect.js';
import { register as key } from './commands/key.js';
import { register as login } from './commands/login.js';
import { register as logout } from './commands/logout.js';
import { register as pull } from './commands/pull.js';
import { register as push } from './commands/push.js';
import { register as referrers } from './commands/referrers.js';
import { register as serve } from './commands/serve.js';
import { register as sign } from './commands/sign.js';
import { register as tag } from './commands/tag.js';
import { register as tags } from './commands/tags.js';
import { register as tarsum, routeTarsumVersion } from './commands/tarsum.js';
import { register as tokenServer } from './commands/token-server.js';
import { register as verify } from './commands/verify.js';

const COMMANDS = [serve, pull, push, copy, inspect, tag, tags, catalog, digest, blob, del, referrers, attach, login, logout, key, sign, verify, tarsum, gc, tokenServer];

function version(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('dist')
    .description('Daemonless container-image distribution: an OCI/Docker V2 registry client and server')
    .version(version(), '-V, --version')
    .option('--plain-http', 'talk plain HTTP to the registry (default for loopback registries)')
    .option('--insecure', 'skip TLS certificate verification')
    .option('--ca-file <file>', 'extra CA certificates (PEM) to trust')
    .option('--cert-file <file>', 'client certificate (PEM) for registries that require mutual TLS (with --key-file)')
    .option('--key-file <file>', 'private key (PEM) of --cert-file')
    .option('--creds <user:pass>', 'registry credentials (overrides config.json / auth.json)')
    .addOption(new Option('--jobs <n>', 'parallel blob transfers').default(4).argParser(forOption('--jobs', parsePositiveInt)))
    .addOption(new Option('--chunk-size <size>', 'upload in PATCH chunks of this size, each acknowledged (e.g. 16M); default: blobs up to 16M in one request, larger ones streamed in one PATCH').argParser(forOption('--chunk-size', parseSize)))
    .addOption(new Option('--timeout <duration>', 'give up on a registry that sends nothing for this long (e.g. 30s, 2m; default 5m)').argParser(forOption('--timeout', parseDuration)))
    .option('--json', 'machine-readable output: one JSON object per line on stdout')
    .option('-q, --quiet', 'no progress output')
    .option('-v, --verbose', 'log HTTP requests to stderr (secrets redacted)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const reg of COMMANDS) reg(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/** Run the CLI; resolves to the process exit code. Errors become one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(routeTarsumVersion(argv));
    return typeof process.exitCode === 'number' ? process.exitCode : Exit.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return Exit.OK;
      return err.exitCode === 0 ? Exit.OK : Exit.USAGE;
    }
    process.stderr.write(`dist: ${errorLine(err)}\n`);
    return exitCodeFor(err);
  }
}
