import { Option, type Command } from 'commander';
import { globals } from '../options.js';

interface TarsumFlags {
  tarsumVersion: 'v0' | 'v1' | 'dev';
  hash: 'sha256' | 'sha512';
  extra?: string;
  compat: '2015' | '2018';
  expect?: string;
}

/**
 * `dist tarsum … --version v1`: the program's own `-V, --version` would win (commander parses
 * program options anywhere), so main() routes `--version` after `tarsum` to `--tarsum-version`.
 */
export function routeTarsumVersion(argv: string[]): string[] {
  const i = argv.indexOf('tarsum', 2);
  if (i < 0 || argv.slice(2, i).some((a) => !a.startsWith('-'))) return argv;
  return argv.map((a, j) => (j > i && (a === '--version' || a.startsWith('--version=')) ? a.replace('--version', '--tarsum-version') : a));
}

const EXTRA_CAP = 4 * 1024 * 1024;

/** `dist tarsum FILE|-`: the TarSum of a plain or gzip tar, in one streaming pass. */
export function register(program: Command): void {
  program
    .command('tarsum')
    .description('compute the TarSum of a tar or tar.gz layer (one streaming pass)')
    .argument('<file>', 'tar or tar.gz file, or - for stdin')
    .addOption(new Option('--tarsum-version <v>', 'TarSum version (also accepted as --version)').choices(['v0', 'v1', 'dev']).default('v1'))
    .addOption(new Option('--hash <alg>', 'hash').choices(['sha256', 'sha512']).default('sha256'))
    .option('--extra <file>', 'extra bytes hashed first (docker v1 used the image JSON)')
    .addOption(new Option('--compat <era>', 'era of expected values: 2015 (registry V2.0, docker 1.6) or 2018 (moby on Go ≥1.11)').choices(['2015', '2018']).default('2015'))
    .option('--expect <tarsum>', 'verify against this TarSum (its label sets version and hash); exit 5 on mismatch')
    .action(async (file: string, flags: TarsumFlags, cmd: Command) => {
      const { tarsumStream, parseTarsumDigest } = await import('../../legacy/api.js');
      const { createReadStream } = await import('node:fs');
      const { pipeline } = await import('node:stream/promises');
      const { UsageError, DigestMismatchError } = await import('../../errors/errors.js');
      const want = flags.expect === undefined ? undefined : parseTarsumDigest(flags.expect);
      if (flags.expect !== undefined && !want) throw new UsageError(`--expect: "${flags.expect}" is not a tarsum digest`);
      // the extra bytes are held in memory (docker v1 hashed the image JSON, a few KiB): cap them as metadata
      let extra: Buffer | undefined;
      if (flags.extra) {
        const chunks: Buffer[] = [];
        let n = 0;
        for await (const c of createReadStream(flags.extra)) {
          n += (c as Buffer).length;
          if (n > EXTRA_CAP) throw new UsageError(`--extra ${flags.extra}: larger than ${EXTRA_CAP} bytes`);
          chunks.push(c as Buffer);
        }
        extra = Buffer.concat(chunks);
      }
      const ts = tarsumStream({ version: want?.version ?? flags.tarsumVersion, hash: want?.hash ?? flags.hash, extra, compat: Number(flags.compat) as 2015 | 2018 });
      let bytes = 0;
      const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
      input.on('data', (c: Buffer) => (bytes += c.length));
      await pipeline(input, ts);
      const sum = ts.sum!;
      if (globals(cmd).json) process.stdout.write(`${JSON.stringify({ tarsum: sum, entries: ts.entries, bytes })}\n`);
      else process.stdout.write(`${sum}\n`);
      if (flags.expect !== undefined && sum !== flags.expect) throw new DigestMismatchError(flags.expect, sum, 'tarsum');
    });
}
