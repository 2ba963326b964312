import type { LocalFormat } from '../content/local.js';
import type { ReadOnlyTarget } from '../content/target.js';
import { causeChain, CopyError, RegistryError, UsageError } from '../errors/errors.js';
import { formatReference } from '../ref/reference.js';
import { checkAllTags, isReferrersTag } from './all-tags-checks.js';
import type { TransferOptions, TransferResult } from './api.js';
import { familiarName, openDestination, openSource, sharedClient, type OpenedDestination, type OpenedSource } from './endpoints.js';
import type { OnEvent } from './events.js';
import { copyImage, resolveSource } from './operations.js';

type Tagged = ReadOnlyTarget & { tags(): Promise<string[]> };
const listsTags = (t: ReadOnlyTarget): t is Tagged => typeof (t as Partial<Tagged>).tags === 'function';

export interface AllTagsOptions extends TransferOptions {
  format?: LocalFormat;
  /**
   * Each tag's result as soon as it is at the destination (a registry or layout: after its copy; an
   * archive, written whole or not at all: after the archive is complete).
   */
  onResult?: (r: TransferResult) => void;
}

const REFERRERS_REASON = 'a referrers fallback tag (OCI 1.1), not an image: --referrers carries referrers';
const GONE_REASON = 'gone from the source since the tags were listed';

/** MANIFEST_UNKNOWN anywhere in the cause chain: the tag no longer resolves. */
function isGone(e: unknown): boolean {
  return [...causeChain(e)].some((x) => x instanceof RegistryError && x.code === 'MANIFEST_UNKNOWN');
}

/**
 * `err` with `tag <t>: ` before its message: a copy of the same class with the same own properties
 * (code, side, cause, detail, hint…), so the exit code (src/cli/exit.ts) and any hint stay the same.
 */
export function namingTag(tag: string, err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const named = Object.create(Object.getPrototypeOf(err) as object, Object.getOwnPropertyDescriptors(err)) as Error;
  named.message = `tag ${tag}: ${err.message}`;
  if (err.stack) named.stack = err.stack.replace(err.message, named.message);
  return named;
}

/** One tag; undefined when it disappeared from the source after the listing (a live repository). */
async function copyTag(source: string, src: OpenedSource, dst: OpenedDestination, tag: string, o: AllTagsOptions, onEvent: OnEvent): Promise<TransferResult | undefined> {
  const dstTag = dst.format === 'docker-archive' && src.remote ? familiarName({ ...src.remote, tag, digest: undefined }) : tag;
  const resolved = await resolveSource(src.target, tag, o.signal).catch((e: unknown) => {
    if (isGone(e)) return undefined;
    throw e;
  });
  if (!resolved) {
    onEvent({ type: 'tag-skipped', tag, reason: GONE_REASON });
    return undefined;
  }
  const r = await copyImage(src.target, tag, dst.target, { tag: dstTag, jobs: o.jobs, platform: o.platform, onEvent, signal: o.signal, resolved, referrers: o.referrers });
  const where = dst.remote ? formatReference({ ...dst.remote, tag, digest: undefined }) : dst.display;
  return { ...r, sourceReference: `${source}:${tag}`, destination: where, tag: dstTag, ...(dst.format ? { format: dst.format } : {}) };
}

/**
 * `dist copy --all-tags` (crane cp --all-tags, skopeo sync): every tag of a registry repository or
 * of a layout / OCI archive, to a repository, layout or archive, one image after the other under
 * the same tags, in sorted order (runs are reproducible). Blobs shared between tags are copied once
 * (the destination has them for the next tag). Referrers fallback tags (`sha256-<hex>`) are skipped:
 * copied as images they would overwrite the destination's own fallback index (`referrers` carries
 * referrers instead). A tag gone since the listing is skipped; any other failure stops the copy, its
 * message starting `tag <t>: `. What was copied before stays in a registry or layout, and a second
 * run skips it; an archive is written whole or not at all.
 */
export async function copyAllTags(source: string, destination: string, o: AllTagsOptions = {}): Promise<TransferResult[]> {
  await checkAllTags(source, destination, o);
  const onEvent = o.onEvent ?? (() => undefined);
  const registry = sharedClient(o);
  const src = await openSource(source, registry);
  if (!listsTags(src.target)) throw new UsageError(`--all-tags: cannot list the tags of ${source}`);
  let listed: string[];
  try {
    listed = [...new Set(await src.target.tags())].sort();
  } catch (e) {
    throw new CopyError('source', `tags of ${source}: ${(e as Error).message}`, { cause: e });
  }
  const tags = listed.filter((tag) => !isReferrersTag(tag));
  for (const tag of listed) if (isReferrersTag(tag)) onEvent({ type: 'tag-skipped', tag, reason: REFERRERS_REASON });
  if (!tags.length) throw new CopyError('source', `${source} has no tags${listed.length ? ' of images (only referrers fallback tags)' : ''}`);
  const dst = await openDestination(destination, { format: o.format, tagFrom: src.remote, registry });
  const archive = dst.format === 'docker-archive' || dst.format === 'oci-archive';
  const results: TransferResult[] = [];
  try {
    for (const tag of tags) {
      const r = await copyTag(source, src, dst, tag, o, onEvent).catch((e: unknown) => {
        throw o.signal?.aborted ? e : namingTag(tag, e);
      });
      if (!r) continue;
      results.push(r);
      if (!archive) o.onResult?.(r);
    }
    await dst.finish();
  } catch (e) {
    await dst.abort().catch(() => undefined);
    throw e;
  }
  if (archive) for (const r of results) o.onResult?.(r);
  return results;
}
