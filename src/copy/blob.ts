import type { Readable } from 'node:stream';
import type { Ingester, Located, Mounter, ReadOnlyTarget, Target, VerifiesUploads } from '../content/target.js';
import { CopyError, DigestMismatchError, LocalWriteError, RegistryError, SizeMismatchError } from '../errors/errors.js';
import { VerifyingStream } from '../digest/digester.js';
import type { Descriptor } from '../oci/types.js';
import { PROGRESS_INTERVAL_MS, type OnEvent } from './events.js';

export interface BlobCopyContext {
  src: ReadOnlyTarget;
  dst: Target;
  onEvent: OnEvent;
  signal?: AbortSignal;
}

export type BlobOutcome = 'copied' | 'skipped' | 'mounted';

const isMounter = (t: unknown): t is Mounter => typeof (t as Mounter).mount === 'function';
const isIngester = (t: unknown): t is Ingester => typeof (t as Ingester).partialSize === 'function';
const locationOf = (t: unknown): Located['location'] | undefined => (t as Partial<Located>).location;

/** The repository to mount from, when source and destination are two repositories of one registry. */
export function mountSource(src: unknown, dst: unknown): string | undefined {
  const a = locationOf(src);
  const b = locationOf(dst);
  if (!a || !b || !isMounter(dst)) return undefined;
  return a.registry === b.registry && a.repository !== b.repository ? a.repository : undefined;
}

function sideOf(err: unknown, sourceFailed: boolean): 'source' | 'destination' {
  // (a failed write also fails the source stream, through the pipeline: the error says whose it is)
  if (err instanceof LocalWriteError) return 'destination';
  if (sourceFailed || err instanceof DigestMismatchError || err instanceof SizeMismatchError) return 'source';
  return 'destination';
}

function wrap(side: 'source' | 'destination', desc: Descriptor, err: unknown): CopyError {
  if (err instanceof CopyError) return err;
  return new CopyError(side, `${desc.digest}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/**
 * Copy one blob: skip it if the destination has it, mount it within a registry, resume a
 * partial download when the destination keeps one, else stream it across.
 */
export async function copyBlob(ctx: BlobCopyContext, desc: Descriptor): Promise<BlobOutcome> {
  const { src, dst, onEvent, signal } = ctx;
  const base = { digest: desc.digest, size: desc.size };
  try {
    if (await dst.exists(desc)) {
      onEvent({ type: 'blob-skipped', ...base });
      return 'skipped';
    }
  } catch (e) {
    throw wrap('destination', desc, e);
  }
  const from = mountSource(src, dst);
  if (from) {
    const mounted = await (dst as unknown as Mounter).mount(desc, from).catch(() => false);
    if (mounted) {
      onEvent({ type: 'blob-mounted', ...base, from });
      return 'mounted';
    }
  }
  onEvent({ type: 'blob-start', ...base, mediaType: desc.mediaType });
  let last = 0;
  const onProgress = (bytes: number): void => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS && bytes < desc.size) return;
    last = now;
    onEvent({ type: 'blob-progress', ...base, bytes: Math.min(bytes, desc.size) });
  };
  // A download into a store that keeps partial files survives a flaky source: continue from
  // what arrived (Range), a few times, as long as each attempt made progress.
  for (let attempt = 0, had = -1, restarted = false; ; attempt++) {
    const offset = isIngester(dst) ? await dst.partialSize(desc).catch(() => 0) : 0;
    try {
      await transferOnce(ctx, desc, offset, onProgress);
      break;
    } catch (e) {
      const err = e as CopyError;
      // A resumed download that fails its digest may have continued a partial file that was wrong
      // (an earlier source sent bad bytes, then broke off). The destination dropped that file on the
      // mismatch: start over from byte 0, once. Without this the next run was the one to succeed.
      if (offset > 0 && !restarted && err.cause instanceof DigestMismatchError && !signal?.aborted) {
        restarted = true;
        onEvent({ type: 'download-restarted', ...base, offset });
        continue;
      }
      const grew = isIngester(dst) && (await dst.partialSize(desc).catch(() => 0)) > Math.max(offset, had);
      had = offset;
      if (err.side !== 'source' || !isTransient(err.cause) || !grew || attempt >= MAX_IN_RUN_RESUMES || signal?.aborted) throw err;
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
  onEvent({ type: 'blob-done', ...base });
  return 'copied';
}

/** How many times one run continues a broken download before giving up (the next run resumes too). */
export const MAX_IN_RUN_RESUMES = 3;

/** A verification failure is final; a broken connection or a short body is worth continuing. */
function isTransient(e: unknown): boolean {
  if (e instanceof DigestMismatchError) return false;
  if (e instanceof SizeMismatchError) return e.actual < e.expected;
  return true;
}

/**
 * A blob bound for a registry is not hashed on the way out: the registry verifies its digest
 * before the blob exists there, and hashing it here too cost ~0.6 CPU-s per GiB on every push.
 * (Manifests go through Pusher.push as bytes and are checked there.)
 */
const destinationVerifies = (dst: unknown): boolean => (dst as Partial<VerifiesUploads>).verifiesUploads === true;

/** The registry refused the bytes as not matching the digest (only meaningful when nobody hashed them on the way). */
function rejectedAsCorrupt(e: unknown): boolean {
  return e instanceof RegistryError && e.code === 'DIGEST_INVALID';
}

/** One fetch (from `offset`) piped into the destination; errors come back as CopyError with the side. */
async function transferOnce(ctx: BlobCopyContext, desc: Descriptor, offset: number, onProgress: (n: number) => void): Promise<void> {
  const { src, dst, onEvent, signal } = ctx;
  const base = { digest: desc.digest, size: desc.size };
  const unverified = destinationVerifies(dst);
  let body: Readable;
  let from = offset;
  try {
    body = await src.fetch(desc, { signal, ...(offset ? { offset } : {}), ...(unverified ? { verify: false } : {}) });
  } catch (e) {
    if (!offset) throw wrap('source', desc, e);
    from = 0;
    body = await src.fetch(desc, { signal }).catch((e2: unknown) => {
      throw wrap('source', desc, e2);
    });
  }
  if (from) onEvent({ type: 'download-resumed', ...base, offset: from });
  let sourceFailed = false;
  body.once('error', () => {
    sourceFailed = true;
  });
  try {
    await dst.push(desc, body, {
      signal,
      onProgress,
      onResumed: (at) => onEvent({ type: 'upload-resumed', ...base, offset: at }),
      reopen: () => src.fetch(desc, { signal, ...(unverified ? { verify: false } : {}) }),
      ...(from ? { offset: from } : {}),
    });
  } catch (e) {
    body.destroy();
    // The source skipped its own check (a local layout): a digest the registry refuses means the
    // local copy is damaged. A source that verified anyway (a registry) is not to blame.
    if (unverified && !(body instanceof VerifyingStream) && rejectedAsCorrupt(e)) {
      throw new CopyError('source', `${desc.digest}: the content does not match its digest (the registry computed another and refused it); the source copy of this blob is damaged`, { cause: e });
    }
    throw wrap(sideOf(e, sourceFailed), desc, e);
  }
}
