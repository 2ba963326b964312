import type { Command } from 'commander';
import { globals } from '../options.js';

interface SignFlags {
  key: string[];
  output?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** `dist sign MANIFEST --key key.json [-o OUT]`: libtrust-sign a schema 1 manifest. */
export function register(program: Command): void {
  program
    .command('sign')
    .description('sign a schema 1 manifest (libtrust JWS); existing signatures are kept')
    .argument('<manifest>', 'schema 1 manifest file, or - for stdin')
    .requiredOption('--key <file>', 'private key (JWK or PEM); repeat for several signatures', collect, [])
    .option('-o, --output <file>', 'write the signed manifest here (default: stdout)')
    .action(async (file: string, flags: SignFlags, cmd: Command) => {
      const { loadPrivateKey, signSchema1, verifySchema1 } = await import('../../legacy/api.js');
      const { readInput } = await import('./verify.js');
      const keys = await Promise.all(flags.key.map((k) => loadPrivateKey(k)));
      const signed = await signSchema1(await readInput(file), keys);
      const v = await verifySchema1(signed);
      if (flags.output) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(flags.output, signed);
      } else process.stdout.write(signed);
      const g = globals(cmd);
      const summary = { digest: v.digest, keyIds: v.keyIds, output: flags.output ?? '-' };
      if (g.json && flags.output) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else if (flags.output) process.stdout.write(`${v.digest}\n`);
      else if (!g.quiet) process.stderr.write(`dist: signed ${v.digest} (${v.keyIds.length} signature${v.keyIds.length === 1 ? '' : 's'})\n`);
    });
}
