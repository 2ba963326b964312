import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RemoteRepository, type RepositoryOptions } from '../client/repository.js';
import { FileSink } from '../content/layout/file-sink.js';
import { VerifyingStream } from '../digest/digester.js';
import { UsageError } from '../errors/errors.js';
import { parseReference } from '../ref/reference.js';
import type { Descriptor } from '../oci/types.js';
import { sharedClient } from './endpoints.js';

/**
 * `dist blob REPO@DIGEST` (crane blob, oras blob fetch): one blob, streamed and verified (digest,
 * and size when the registry sends a length). Into a file, it goes to a temp file next to it that is
 * renamed only once verified: a mismatch leaves nothing under the name. Onto a stream (stdout), the
 * bytes are out before the check can fail, so the caller must heed the error (exit 5).
 */
export async function getBlob(reference: string, out: { path: string } | { stream: Writable }, o: RepositoryOptions & { signal?: AbortSignal } = {}): Promise<Descriptor> {
  const ref = parseReference(reference, { defaultTag: false });
  if (!ref.digest) throw new UsageError(`${reference}: name the blob by digest (REPO@sha256:…)`);
  const repo = new RemoteRepository(ref.registry, ref.repository, sharedClient(o));
  const opened = await repo.blobs.open(ref.digest, { signal: o.signal });
  const desc: Descriptor = { mediaType: 'application/octet-stream', digest: ref.digest, size: opened.size ?? -1 };
  const verify = new VerifyingStream({ digest: ref.digest, ...(opened.size !== undefined ? { size: opened.size } : {}), what: `blob ${ref.digest}` });
  if ('stream' in out) {
    await pipeline(opened.body, verify, out.stream, { signal: o.signal, end: false });
    return desc;
  }
  const tmp = `${out.path}.${randomUUID()}.tmp`;
  const fh = await open(tmp, 'wx');
  try {
    await pipeline(opened.body, verify, new FileSink(fh.fd, undefined, tmp), { signal: o.signal });
    await fh.close();
    await rename(tmp, out.path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  return { ...desc, size: verify.bytes };
}
