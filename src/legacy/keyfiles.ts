import type { KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyError, parseKeys, parsePrivateKey, privateJwk } from './keys.js';

const MAX_KEY_FILE = 1024 * 1024;

/**
 * Read at most 1 MiB: the size is counted while reading, not taken from stat, which says 0 for a
 * FIFO, /dev/zero or a /proc file (readFile would then grow to 2 GiB before failing).
 */
async function readCapped(path: string): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    n += (c as Buffer).length;
    if (n > MAX_KEY_FILE) throw new KeyError(`${path}: key file larger than 1 MiB`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Read a private key file (libtrust JWK or PEM). */
export async function loadPrivateKey(path: string): Promise<KeyObject> {
  const text = await readCapped(path);
  try {
    return parsePrivateKey(text);
  } catch (err) {
    throw new KeyError(`${path}: ${(err as Error).message}`);
  }
}

/** Write a private key as a libtrust JWK file, mode 0600, refusing to overwrite. */
export async function savePrivateKey(path: string, key: KeyObject): Promise<void> {
  const fh = await open(path, 'wx', 0o600).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST') throw new KeyError(`${path} already exists: a key is never overwritten; remove it or choose another -o`);
    throw e;
  });
  try {
    await fh.writeFile(`${JSON.stringify(privateJwk(key), null, 4)}\n`);
    await fh.chmod(0o600);
  } finally {
    await fh.close();
  }
}

/**
 * Keys from a file or from every `.json`/`.jwk`/`.pem`/`.crt`/`.pub` file in a directory
 * (libtrust's trusted-key files). Private keys count by their public half.
 */
export async function loadKeys(path: string): Promise<KeyObject[]> {
  const st = await stat(path);
  const files = st.isDirectory()
    ? (await readdir(path)).filter((n) => /\.(json|jwk|pem|crt|pub|key)$/i.test(n)).sort().map((n) => join(path, n))
    : [path];
  const out: KeyObject[] = [];
  for (const f of files) {
    try {
      out.push(...parseKeys(await readCapped(f)));
    } catch (err) {
      throw new KeyError(`${f}: ${(err as Error).message}`);
    }
  }
  return out;
}
