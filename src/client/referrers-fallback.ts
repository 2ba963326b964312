import type { Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import { MediaType } from '../oci/mediatypes.js';
import { KeyedMutex } from '../storage/mutex.js';
import type { Descriptor } from '../oci/types.js';
import type { RepoContext } from './context.js';
import { ManifestClient } from './manifests.js';
import { isDescriptor, referrersTag } from './referrers.js';

/**
 * The referrers tag schema (OCI distribution 1.1) for registries without the referrers API, such
 * as docker-registry 2.8: the referrers of `<alg>:<hex>` are listed in an image index tagged
 * `<alg>-<hex>`. A client pushing a manifest with a subject adds it there; one deleting it takes it
 * out. Read, edit, PUT back: edits from other processes can race (the spec accepts that); edits from
 * this one are serialised per tag.
 */
type FallbackIndex = { schemaVersion: 2; mediaType?: string; manifests: Descriptor[] } & Record<string, unknown>;

const tagLocks = new KeyedMutex();

function serialised<T>(ctx: RepoContext, subject: Digest, work: () => Promise<T>): Promise<T> {
  return tagLocks.run(`${ctx.origin.href} ${ctx.repository} ${subject}`, work);
}

/** The index under the fallback tag and its digest; undefined when there is none. Anything else there is refused. */
async function readIndex(ctx: RepoContext, subject: Digest): Promise<{ index: FallbackIndex; digest: Digest } | undefined> {
  const tag = referrersTag(subject);
  let m;
  try {
    m = await new ManifestClient(ctx).get(tag);
  } catch (e) {
    if (e instanceof RegistryError && (e.code === 'MANIFEST_UNKNOWN' || e.code === 'NAME_UNKNOWN')) return undefined;
    throw e;
  }
  let v: FallbackIndex | undefined;
  try {
    v = JSON.parse(m.bytes.toString('utf8')) as FallbackIndex;
  } catch {
    v = undefined;
  }
  if (v?.schemaVersion !== 2 || !Array.isArray(v.manifests) || !v.manifests.every(isDescriptor)) {
    // Never suggest deleting it: a delete goes by digest and takes every tag of that manifest along.
    const err = new RegistryError('MANIFEST_INVALID', `${ctx.repository}:${tag} is reserved for the referrers index of ${subject} (OCI 1.1 tag schema) but holds ${m.descriptor.digest} (${m.descriptor.mediaType}); dist does not overwrite it`);
    throw Object.assign(err, { hint: `if that content is wanted, tag it under another name; then point ${tag} at something else or remove the tag, and run the command again` });
  }
  return { index: v, digest: m.descriptor.digest };
}

/**
 * PUT the new index under the tag, then delete the one it replaced (as oras-go does): the tag has
 * moved, so the old revision is an orphan nobody lists. Best effort: a registry with deletes
 * disabled keeps it, and garbage collection of untagged manifests takes it later.
 */
async function writeIndex(ctx: RepoContext, subject: Digest, index: FallbackIndex, replaces?: Digest): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(index));
  const manifests = new ManifestClient(ctx);
  const put = await manifests.put(referrersTag(subject), bytes, typeof index.mediaType === 'string' ? index.mediaType : MediaType.OciIndex);
  if (!replaces || replaces === put.digest) return;
  // another process may have put the old bytes back under the tag since (A, B, A): then they are current
  const now = await manifests.head(referrersTag(subject)).catch(() => undefined);
  if (now && now.digest !== replaces) await manifests.delete(replaces).catch(() => undefined);
}

/** Add `referrer` to the fallback index of `subject` (created when missing). False when it was there already. */
export function addToFallbackIndex(ctx: RepoContext, subject: Digest, referrer: Descriptor): Promise<boolean> {
  return serialised(ctx, subject, async () => {
    const found = await readIndex(ctx, subject);
    const index = found?.index ?? { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
    if (index.manifests.some((d) => d.digest === referrer.digest)) return false;
    index.manifests.push(referrer);
    await writeIndex(ctx, subject, index, found?.digest);
    return true;
  });
}

/**
 * Take `referrer` out of the fallback index of `subject`. An index left empty is deleted (with its
 * tag). False when there was nothing to remove.
 */
export function removeFromFallbackIndex(ctx: RepoContext, subject: Digest, referrer: Digest): Promise<boolean> {
  return serialised(ctx, subject, async () => {
    const found = await readIndex(ctx, subject);
    if (!found || !found.index.manifests.some((d) => d.digest === referrer)) return false;
    found.index.manifests = found.index.manifests.filter((d) => d.digest !== referrer);
    if (found.index.manifests.length) await writeIndex(ctx, subject, found.index, found.digest);
    else await new ManifestClient(ctx).delete(found.digest);
    return true;
  });
}
