import type { Command } from 'commander';
import { globals } from '../options.js';

interface VerifyFlags {
  trust?: string;
}

/** Read a file or stdin (`-`), capped at 4 MiB (a manifest). */
export async function readInput(file: string): Promise<Buffer> {
  const { UsageError } = await import('../../errors/errors.js');
  const cap = 4 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let n = 0;
  const { createReadStream } = await import('node:fs');
  for await (const c of file === '-' ? process.stdin : createReadStream(file)) {
    n += (c as Buffer).length;
    if (n > cap) throw new UsageError(`${file}: larger than ${cap} bytes, not a manifest`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

async function isLocal(arg: string): Promise<boolean> {
  if (arg === '-') return true;
  const { stat } = await import('node:fs/promises');
  return stat(arg).then((s) => s.isFile(), () => false);
}

/** `dist verify FILE|REF [--trust KEYS]`: verify every signature of a schema 1 manifest. */
export function register(program: Command): void {
  program
    .command('verify')
    .description('verify the signatures of a schema 1 manifest (a local file, - for stdin, or a remote REF); prints the signers\' key IDs')
    .argument('<file|ref>', 'manifest file, -, or image reference')
    .option('--trust <path>', 'a file or directory of trusted public keys (JWK, JWK set, PEM) and CA certificates (for x5c chains); fail unless one signed')
    .action(async (arg: string, flags: VerifyFlags, cmd: Command) => {
      const api = await import('../../legacy/api.js');
      const g = globals(cmd);
      const trusted = flags.trust ? await api.loadKeys(flags.trust) : [];
      const roots = flags.trust ? await trustRoots(flags.trust) : undefined;
      let bytes: Buffer;
      let expected: string | undefined;
      let source = arg;
      if (await isLocal(arg)) bytes = await readInput(arg);
      else {
        const { openRemote, formatReference } = await import('../remote.js');
        const { repo, ref } = openRemote(cmd, arg);
        const m = await repo.manifests.get(ref.digest ?? ref.tag!);
        bytes = m.bytes;
        expected = ref.digest ?? m.descriptor.digest;
        source = formatReference(ref);
      }
      const v = await api.verifySchema1(bytes, { roots });
      if (expected && expected !== v.digest) {
        const { RegistryError } = await import('../../errors/errors.js');
        throw new RegistryError('MANIFEST_UNVERIFIED', `${source}: payload digest ${v.digest} does not match ${expected}`);
      }
      const ok = flags.trust ? api.assertTrusted(v, trusted) : [];
      if (g.json) process.stdout.write((await import('../json-line.js')).jsonLine({ source, digest: v.digest, mediaType: v.mediaType, keyIds: v.keyIds, trusted: ok }));
      else {
        for (const id of v.keyIds) process.stdout.write(`${id}${ok.includes(id) ? ' trusted' : ''}\n`);
        if (!g.quiet) process.stderr.write(`dist: ${source}: ${v.keyIds.length} valid signature${v.keyIds.length === 1 ? '' : 's'}, digest ${v.digest}\n`);
      }
    });
}

/** CA certificates in the trust path (a file, or the .pem/.crt files of a directory). */
async function trustRoots(path: string): Promise<import('node:crypto').X509Certificate[]> {
  const { certificatesFromPem } = await import('../../legacy/api.js');
  const { readdir, readFile, stat } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const files = (await stat(path)).isDirectory() ? (await readdir(path)).filter((n) => /\.(pem|crt)$/i.test(n)).map((n) => join(path, n)) : [path];
  const out = [];
  for (const f of files) out.push(...certificatesFromPem(await readFile(f, 'utf8')));
  return out;
}
