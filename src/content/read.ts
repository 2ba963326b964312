import type { Readable } from 'node:stream';
import { DistError } from '../errors/errors.js';
import type { Descriptor } from '../oci/types.js';
import { MAX_MANIFEST_BYTES, type Fetcher } from './target.js';

/** Content larger than a cap was read into memory (a manifest, a config, an index.json). */
export class TooLargeError extends DistError {
  constructor(what: string, cap: number) {
    super('TOO_LARGE', `${what} exceeds ${cap} bytes`);
  }
}

/** Read a whole (small) stream into memory, failing once `cap` bytes are exceeded. */
export async function readCapped(stream: Readable, cap: number, what = 'content'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    n += b.length;
    if (n > cap) {
      stream.destroy();
      throw new TooLargeError(what, cap);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, n);
}

/** Fetch a manifest / config (verified by the fetcher) into memory, capped at 4 MiB. */
export async function fetchBytes(f: Fetcher, desc: Descriptor, opts: { signal?: AbortSignal; cap?: number } = {}): Promise<Buffer> {
  const cap = opts.cap ?? MAX_MANIFEST_BYTES;
  if (desc.size > cap) throw new TooLargeError(`${desc.mediaType} ${desc.digest}`, cap);
  return readCapped(await f.fetch(desc, { signal: opts.signal }), cap, desc.digest);
}
