import { randomUUID } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { algorithmOf, encodedOf } from '../../digest/digest.js';
import { VerifyingStream } from '../../digest/digester.js';
import { DigestMismatchError, SizeMismatchError } from '../../errors/errors.js';
import type { Descriptor } from '../../oci/types.js';
import type { PushOptions } from '../target.js';
import { isDrainable, type Drainable } from '../drainable.js';
import { Digester } from '../../digest/digester.js';
import { hashFileBehindWriter, hashWorkerRunning, type FileHash } from '../file-hasher.js';
import { chunkWriter, FileSink } from './file-sink.js';
import { tryLock } from './lock.js';
import { blobName, INGEST_DIR, partialName } from './paths.js';

/** Blobs up to this size are hashed in place when the hashing worker is not running yet (see ingestBlob). */
export const INLINE_HASH_MAX_BYTES = 8 * 1024 * 1024;

const fileSize = async (p: string): Promise<number | undefined> => (await fsp.stat(p).catch(() => undefined))?.size;

/** Bytes of a resumable partial download of `desc` (0 when none, or when another process is writing it). */
export async function partialSize(root: string, desc: Descriptor): Promise<number> {
  const partial = join(root, partialName(desc.digest));
  const size = await fileSize(partial);
  if (!size) return 0;
  const release = await tryLock(`${partial}.lock`);
  if (!release) return 0;
  await release();
  return Math.min(size, desc.size);
}

/** Drain `body` into `fd`, failing (and closing the body) when `signal` aborts. */
async function drainInto(body: Drainable, fd: number, before: (c: Buffer) => void, after: () => void, path: string, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) {
    body.destroy(signal.reason as Error);
    throw signal.reason;
  }
  const onAbort = (): void => void body.destroy(signal!.reason as Error);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await body.drain(chunkWriter(fd, path, before, after));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Store a blob in the layout: stream into a temp file under `.dist-ingest/`, hash while
 * writing, and rename to `blobs/<alg>/<hex>` only once size and digest match. A failed
 * verification deletes the temp file; an interrupted transfer keeps it (`<alg>-<hex>.partial`)
 * so the next run can continue with `offset` = its size.
 */
export async function ingestBlob(root: string, expected: Descriptor, body: Readable, opts: PushOptions = {}): Promise<void> {
  const final = join(root, blobName(expected.digest));
  if ((await fileSize(final)) === expected.size) {
    body.destroy();
    return;
  }
  await fsp.mkdir(join(root, INGEST_DIR), { recursive: true });
  await fsp.mkdir(dirname(final), { recursive: true });
  let tmp = join(root, partialName(expected.digest));
  const release = await tryLock(`${tmp}.lock`);
  const offset = opts.offset ?? 0;
  if (!release) {
    if (offset) throw new Error(`cannot resume ${expected.digest}: another process is writing it`);
    tmp = join(root, INGEST_DIR, `${algorithmOf(expected.digest)}-${encodedOf(expected.digest)}.${randomUUID()}.tmp`);
  }
  // A body that checks this digest and size itself (a registry fetch, unless the copy asked for raw
  // bytes) fails on any mismatch: it is only counted here. Any other body is hashed where it lands:
  // read back from the file by the hashing worker (file-hasher.ts), a resumed file from byte 0.
  const selfVerified = offset === 0 && (body instanceof VerifyingStream || isDrainable(body)) && body.verifies(expected.digest, expected.size);
  let keep = !!release;
  let size = offset;
  let hash: FileHash | undefined;
  // A small blob is hashed in place while it is written when the hashing worker is not running yet:
  // starting it (~50 ms before it hashes anything) cost more than the hashing, and a small image's
  // pull waited for it at the end.
  let inline: Digester | undefined;
  try {
    if (!selfVerified && offset === 0 && expected.size <= INLINE_HASH_MAX_BYTES && !hashWorkerRunning()) inline = new Digester(algorithmOf(expected.digest));
    if (offset > 0) {
      const have = (await fileSize(tmp)) ?? 0;
      if (have < offset) throw new Error(`cannot resume ${expected.digest}: partial file has ${have} bytes, ${offset} requested`);
      await fsp.truncate(tmp, offset);
    }
    const what = `blob ${expected.digest}`;
    // Counted and size-checked before each chunk is written, in the sink itself: a separate
    // Transform stage cost one more stream hop per chunk.
    const account = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > expected.size) throw new SizeMismatchError(expected.size, size, what);
      inline?.update(chunk);
      opts.onProgress?.(size);
    };
    // Open the file before streaming: a stream that opens lazily could create it after a quick
    // failure has already cleaned up, leaving an empty temp file behind.
    const fh = await fsp.open(tmp, offset > 0 ? 'a' : 'w');
    if (!selfVerified && !inline) hash = hashFileBehindWriter(tmp, algorithmOf(expected.digest));
    const wrote = (): void => hash?.wrote(size);
    try {
      // a body read straight off the socket is written in place, read by read
      if (isDrainable(body)) await drainInto(body, fh.fd, account, wrote, tmp, opts.signal);
      else await pipeline(body, new FileSink(fh.fd, account, tmp, wrote), { signal: opts.signal });
    } finally {
      await fh.close();
    }
    if (size !== expected.size) {
      keep = keep && size < expected.size;
      throw new SizeMismatchError(expected.size, size, what);
    }
    const actual = inline ? inline.digest() : hash ? await hash.digest(size) : expected.digest;
    hash = undefined;
    if (actual !== expected.digest) {
      keep = false;
      throw new DigestMismatchError(expected.digest, actual, what);
    }
    await fsp.rename(tmp, final);
    keep = true;
  } catch (e) {
    hash?.cancel();
    if (e instanceof DigestMismatchError || (e instanceof SizeMismatchError && size > expected.size)) keep = false;
    throw e;
  } finally {
    if (!keep) await fsp.rm(tmp, { force: true });
    await release?.();
  }
}
