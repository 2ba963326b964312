import type { LocalFormat } from '../content/local.js';
import type { ReadOnlyTarget } from '../content/target.js';
import { CopyError, UsageError } from '../errors/errors.js';
import { formatReference } from '../ref/reference.js';
import { checkAllTags } from './all-tags-checks.js';
import type { TransferOptions, TransferResult } from './api.js';
import { familiarName, openDestination, openSource, sharedClient } from './endpoints.js';
import { copyImage, resolveSource } from './operations.js';
import { copyReferrers } from './referrers.js';

type Tagged = ReadOnlyTarget & { tags(): Promise<string[]> };
const listsTags = (t: ReadOnlyTarget): t is Tagged => typeof (t as Partial<Tagged>).tags === 'function';

/**
 * `dist copy --all-tags` (crane cp --all-tags, skopeo sync): every tag of a registry repository or
 * of a layout / OCI archive, to a repository, layout or archive, one image after the other under
 * the same tags. Blobs shared between tags are copied once (the destination has them for the next
 * tag). A failure stops the copy naming the tag; what was copied before stays, and a second run skips
 * it. Tags are copied in sorted order, so runs are reproducible.
 */
export async function copyAllTags(source: string, destination: string, o: TransferOptions & { format?: LocalFormat } = {}): Promise<TransferResult[]> {
  await checkAllTags(source, destination, o);
  const registry = sharedClient(o);
  const src = await openSource(source, registry);
  if (!listsTags(src.target)) throw new UsageError(`--all-tags: cannot list the tags of ${source}`);
  let tags: string[];
  try {
    tags = [...new Set(await src.target.tags())].sort();
  } catch (e) {
    throw new CopyError('source', `tags of ${source}: ${(e as Error).message}`, { cause: e });
  }
  if (!tags.length) throw new CopyError('source', `${source} has no tags`);
  const dst = await openDestination(destination, { format: o.format, tagFrom: src.remote, registry });
  const results: TransferResult[] = [];
  try {
    for (const tag of tags) {
      const dstTag = dst.format === 'docker-archive' && src.remote ? familiarName({ ...src.remote, tag, digest: undefined }) : tag;
      const resolved = await resolveSource(src.target, tag, o.signal);
      const r = await copyImage(src.target, tag, dst.target, { tag: dstTag, jobs: o.jobs, platform: o.platform, onEvent: o.onEvent, signal: o.signal, resolved });
      const referrers = o.referrers ? await copyReferrers(src.target, dst.target, r.root, { jobs: o.jobs, onEvent: o.onEvent, signal: o.signal }) : undefined;
      const where = dst.remote ? formatReference({ ...dst.remote, tag, digest: undefined }) : dst.display;
      results.push({ ...r, sourceReference: `${source}:${tag}`, destination: where, tag: dstTag, ...(dst.format ? { format: dst.format } : {}), ...(referrers ? { referrers } : {}) });
    }
    await dst.finish();
  } catch (e) {
    await dst.abort().catch(() => undefined);
    throw e;
  }
  return results;
}
