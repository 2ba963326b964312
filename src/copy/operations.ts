import type { ReadOnlyTarget, Target } from '../content/target.js';
import { CopyError, DistError } from '../errors/errors.js';
import type { Descriptor } from '../oci/types.js';
import { copyGraph, type GraphCopyOptions, type GraphCopyResult } from './graph.js';
import { copyReferrers, type ReferrersCopyResult } from './referrers.js';

export interface CopyImageOptions extends GraphCopyOptions {
  /** Tag (or '' / digest for none) to give the copied root at the destination. */
  tag?: string;
  /** The source root, when the caller already resolved it. */
  resolved?: Descriptor;
  /** Then copy the image's referrers (signatures, SBOMs… OCI 1.1), recursively. */
  referrers?: boolean;
}

export interface CopyImageResult extends GraphCopyResult {
  /** The source's root before platform selection. */
  source: Descriptor;
  /** With `referrers`: what was copied besides the image. */
  referrers?: ReferrersCopyResult;
}

/**
 * Resolve `reference` at the source, copy its graph, tag the result at the destination.
 * `dist pull`, `dist push` and `dist copy` are this call with different targets.
 */
export async function copyImage(src: ReadOnlyTarget, reference: string, dst: Target, opts: CopyImageOptions = {}): Promise<CopyImageResult> {
  const onEvent = opts.onEvent ?? (() => undefined);
  const source = opts.resolved ?? (await resolveSource(src, reference, opts.signal));
  onEvent({ type: 'resolved', reference, digest: source.digest, mediaType: source.mediaType, size: source.size });
  const result = await copyGraph(src, dst, source, opts);
  const tag = opts.tag ?? '';
  try {
    // A registry already holds the manifest by digest; local stores record the root in their index.
    if (tag || !('location' in dst)) await dst.tag(result.root, tag || result.root.digest);
  } catch (e) {
    throw new CopyError('destination', `tag ${tag || result.root.digest}: ${(e as Error).message}`, { cause: e });
  }
  if (tag) onEvent({ type: 'tagged', reference: tag, digest: result.root.digest });
  if (!opts.referrers) return { ...result, source };
  const referrers = await copyReferrers(src, dst, result.root, { jobs: opts.jobs, onEvent, signal: opts.signal, sourceRoot: source });
  return { ...result, source, referrers };
}

/** Resolve at the source; failures are the source's (CopyError side 'source'). */
export async function resolveSource(src: ReadOnlyTarget, reference: string, signal?: AbortSignal): Promise<Descriptor> {
  try {
    return await src.resolve(reference, { signal });
  } catch (e) {
    if (e instanceof DistError && (e.code === 'USAGE' || e.code === 'COPY')) throw e;
    throw new CopyError('source', `${reference || 'image'}: ${(e as Error).message}`, { cause: e });
  }
}
