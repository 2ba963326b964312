import type { Readable } from 'node:stream';
import { VerifyingStream } from '../digest/digester.js';
import type { Descriptor } from '../oci/types.js';
import type { FetchOptions, Fetcher } from './target.js';

/**
 * Pipe `body` through a VerifyingStream for `desc`: the returned stream errors (with
 * DigestMismatchError / SizeMismatchError naming the blob) instead of ending when the
 * content does not match. Source errors are forwarded.
 */
export function verified(body: Readable, desc: Descriptor): Readable {
  const v = new VerifyingStream({ digest: desc.digest, size: desc.size, what: `blob ${desc.digest}` });
  body.once('error', (e) => v.destroy(e));
  v.once('close', () => {
    if (!body.destroyed) body.destroy();
  });
  return body.pipe(v);
}

/**
 * A Fetcher wrapper that checks size and digest of whatever the inner fetcher streams
 * (full fetches only: a ranged fetch cannot be verified alone, the resuming side hashes
 * the bytes it already holds first).
 */
export class VerifyingFetcher implements Fetcher {
  constructor(private readonly inner: Fetcher) {}
  async fetch(desc: Descriptor, opts?: FetchOptions): Promise<Readable> {
    const body = await this.inner.fetch(desc, opts);
    return opts?.offset ? body : verified(body, desc);
  }
}
