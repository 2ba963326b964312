import type { Readable } from 'node:stream';
import type { Ingester, Located, Mounter, ReadOnlyTarget, Target } from '../content/target.js';
import { CopyError, DigestMismatchError, SizeMismatchError } from '../errors/errors.js';
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
  let offset = isIngester(dst) ? await dst.partialSize(desc).catch(() => 0) : 0;
  let body: Readable;
  try {
    body = await src.fetch(desc, { signal, ...(offset ? { offset } : {}) });
  } catch (e) {
    if (!offset) throw wrap('source', desc, e);
    offset = 0;
    body = await src.fetch(desc, { signal }).catch((e2: unknown) => {
      throw wrap('source', desc, e2);
    });
  }
  if (offset) onEvent({ type: 'download-resumed', ...base, offset });
  let sourceFailed = false;
  body.once('error', () => {
    sourceFailed = true;
  });
  let last = 0;
  const onProgress = (bytes: number): void => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS && bytes < desc.size) return;
    last = now;
    onEvent({ type: 'blob-progress', ...base, bytes: Math.min(bytes, desc.size) });
  };
  try {
    await dst.push(desc, body, {
      signal,
      onProgress,
      onResumed: (at) => onEvent({ type: 'upload-resumed', ...base, offset: at }),
      reopen: () => src.fetch(desc, { signal }),
      ...(offset ? { offset } : {}),
    });
  } catch (e) {
    body.destroy();
    throw wrap(sideOf(e, sourceFailed), desc, e);
  }
  onEvent({ type: 'blob-done', ...base });
  return 'copied';
}
