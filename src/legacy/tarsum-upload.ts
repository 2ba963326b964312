import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../digest/digest.js';
import { Digester } from '../digest/digester.js';
import { RegistryError } from '../errors/errors.js';
import type { RegistryStorage } from '../storage/registry-storage.js';
import type { AppendOptions } from '../storage/upload-sessions.js';
import { parseTarsumDigest, type TarsumCompat } from './tarsum/fields.js';
import { TarSumStream } from './tarsum/stream.js';
import { PathNotFoundError } from '../storage/driver/driver.js';

/** Pass-through sha256 of what flows. */
class Sha256Tap extends Transform {
  readonly digester = new Digester('sha256');
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.digester.update(chunk);
    cb(null, chunk);
  }
}

async function sumUpload(storage: RegistryStorage, name: string, id: string, tarsum: string, compat: TarsumCompat): Promise<{ sum: string; sha256: Digest }> {
  const t = parseTarsumDigest(tarsum)!;
  const tap = new Sha256Tap();
  const ts = new TarSumStream({ version: t.version, hash: t.hash, compat });
  try {
    await pipeline(await storage.uploads.reader(name, id), tap, ts);
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    // the upload is gone (never existed, cancelled): not a question of its bytes
    if (err instanceof PathNotFoundError) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', undefined, { digest: tarsum });
    // the store failed to read it (EIO, …): the server's trouble, not a client's bad archive
    if ((err as NodeJS.ErrnoException).syscall !== undefined) throw err;
    throw new RegistryError('DIGEST_INVALID', `upload is not a tar archive, cannot verify ${tarsum}: ${(err as Error).message}`, { digest: tarsum });
  }
  return { sum: ts.sum!, sha256: tap.digester.digest() };
}

/**
 * Finish an upload whose client named a TarSum (`PUT ?digest=tarsum.v1+sha256:…`), as the V2.0
 * registry did: re-read the upload, compute its TarSum (2015 rules, then 2018 rules), refuse with
 * DIGEST_INVALID when neither matches, store the blob under its sha256 and link both digests in the
 * repository (the tarsum link holds the sha256).
 */
export async function finishTarsumUpload(
  storage: RegistryStorage,
  name: string,
  id: string,
  tarsum: string,
  body?: AsyncIterable<Uint8Array>,
  opts: AppendOptions = {},
): Promise<{ digest: Digest; canonical: Digest; size: number }> {
  if (!parseTarsumDigest(tarsum)) throw new RegistryError('DIGEST_INVALID', `invalid tarsum digest "${tarsum.slice(0, 150)}"`, { digest: tarsum.slice(0, 150) });
  if (body) await storage.uploads.append(name, id, body, opts);
  let r = await sumUpload(storage, name, id, tarsum, 2015);
  if (r.sum !== tarsum) r = { ...(await sumUpload(storage, name, id, tarsum, 2018)), sha256: r.sha256 };
  if (r.sum !== tarsum) throw new RegistryError('DIGEST_INVALID', `provided digest ${tarsum} did not match uploaded content ${r.sum}`, { digest: tarsum });
  const done = await storage.uploads.finish(name, id, r.sha256);
  await storage.repoBlobs.linkAlias(name, tarsum as Digest, r.sha256);
  return { digest: tarsum as Digest, canonical: r.sha256, size: done.size };
}
