import { Option, type Command } from 'commander';
import { globals } from '../options.js';

interface GenerateFlags {
  type: 'ec' | 'rsa';
  curve: 'P-256' | 'P-384' | 'P-521';
  bits?: string;
  output: string;
}

/** `dist key generate|id|public`: libtrust-compatible signing keys for schema 1 manifests. */
export function register(program: Command): void {
  const key = program.command('key').description('manage schema 1 signing keys (libtrust JWK)');
  key
    .command('generate')
    .description('generate a private key and write it as a JWK file (mode 0600); prints its key ID')
    .addOption(new Option('--type <type>', 'key type').choices(['ec', 'rsa']).default('ec'))
    .addOption(new Option('--curve <curve>', 'EC curve (P-256 signs ES256, P-384 ES384, P-521 ES512)').choices(['P-256', 'P-384', 'P-521']).default('P-256'))
    .option('--bits <n>', 'RSA modulus length', '2048')
    .requiredOption('-o, --output <file>', 'where to write the private JWK (must not exist)')
    .action(async (flags: GenerateFlags, cmd: Command) => {
      const { generateKey, keyIdOf, savePrivateKey } = await import('../../legacy/api.js');
      const { forOption, parsePositiveInt } = await import('../options.js');
      const k = generateKey({ type: flags.type, curve: flags.curve, bits: flags.type === 'rsa' ? forOption('--bits', parsePositiveInt)(flags.bits ?? '2048') : undefined });
      await savePrivateKey(flags.output, k);
      print(cmd, { keyId: keyIdOf(k), file: flags.output }, keyIdOf(k));
    });
  key
    .command('id')
    .description('print the libtrust key ID of every key in FILE (JWK, JWK set or PEM)')
    .argument('<file>', 'key file')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const { loadKeys, keyIdOf } = await import('../../legacy/api.js');
      for (const k of await loadKeys(file)) print(cmd, { keyId: keyIdOf(k), type: k.type }, keyIdOf(k));
    });
  key
    .command('public')
    .description('print the public JWK of every key in FILE (for --trust)')
    .argument('<file>', 'key file')
    .action(async (file: string) => {
      const { loadKeys, publicJwk } = await import('../../legacy/api.js');
      const keys = (await loadKeys(file)).map(publicJwk);
      process.stdout.write(`${JSON.stringify(keys.length === 1 ? keys[0] : { keys })}\n`);
    });
}

function print(cmd: Command, obj: Record<string, unknown>, line: string): void {
  process.stdout.write(globals(cmd).json ? `${JSON.stringify(obj)}\n` : `${line}\n`);
}
