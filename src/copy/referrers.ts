import { Readable } from 'node:stream';
import { fetchBytes } from '../content/read.js';
import { listsReferrers, type ReadOnlyTarget, type Target } from '../content/target.js';
import type { Digest } from '../digest/digest.js';
import { CopyError, DistError, RegistryError, UsageError } from '../errors/errors.js';
import { parseManifest, subjectOf } from '../oci/manifest.js';
import { isIndexType, isManifestType } from '../oci/mediatypes.js';
import type { Descriptor } from '../oci/types.js';
import { copyGraph, type GraphCopyOptions } from './graph.js';

export interface ReferrersCopyResult {
  /** Referrer manifests copied (signatures, SBOMs, attestations…), at any depth. */
  copied: number;
  bytes: number;
  /**
   * Referrers of the source's index that were not copied because a platform was selected and the
   * index itself was not (cosign, notation and oras sign the index): how many.
   */
  ofIndexNotCopied?: number;
  /** Listed referrers not copied: not a manifest, gone from the source, or referring to another manifest. */
  skipped?: number;
}

export interface ReferrersCopyOptions extends GraphCopyOptions {
  /** The source's root before platform selection, when it differs from `root`. */
  sourceRoot?: Descriptor;
}

/**
 * Copy what refers to an image (OCI 1.1 referrers) after the image itself: the referrers of
 * `root` and, for an index, of each of its manifests; then theirs (a signature of an SBOM), to any
 * depth. Each referrer is a graph copy of its own, so its blobs are skipped or mounted like the
 * image's. A registry destination indexes them itself or gets the fallback tag (see
 * RemoteRepository); a layout lists them in index.json, untagged, as oras does.
 */
export async function copyReferrers(src: ReadOnlyTarget, dst: Target, root: Descriptor, opts: ReferrersCopyOptions = {}): Promise<ReferrersCopyResult> {
  if (!listsReferrers(src)) throw new UsageError('--referrers: this source cannot list referrers (use a registry or an OCI layout)');
  const onEvent = opts.onEvent ?? (() => undefined);
  const result: ReferrersCopyResult = { copied: 0, bytes: 0 };
  if (opts.sourceRoot && opts.sourceRoot.digest !== root.digest) {
    // their subject (the index) is not at the destination: say so rather than copy orphans
    const onIndex = await src.referrers(opts.sourceRoot.digest, { signal: opts.signal }).catch(() => []);
    if (onIndex.length) result.ofIndexNotCopied = onIndex.length;
  }
  const subjects = [root, ...(await childManifests(src, root, opts.signal))];
  const visited = new Set(subjects.map((d) => d.digest));
  for (let i = 0; i < subjects.length; i++) {
    const subject = subjects[i]!;
    let list: Descriptor[];
    try {
      list = await src.referrers(subject.digest, { signal: opts.signal });
    } catch (e) {
      throw new CopyError('source', `referrers of ${subject.digest}: ${(e as Error).message}`, { cause: e });
    }
    for (const r of list) {
      if (visited.has(r.digest)) continue;
      visited.add(r.digest);
      // a fallback tag index is written by clients and can be stale or wrong: check before copying
      const checked = await checkReferrer(src, r, subject.digest, opts.signal);
      if ('refused' in checked) {
        result.skipped = (result.skipped ?? 0) + 1;
        onEvent({ type: 'referrer-skipped', subject: subject.digest, digest: r.digest, reason: checked.refused });
        continue;
      }
      let present = false;
      const copied = await copyGraph(src, dst, r, {
        ...opts, platform: undefined, preferPlatform: undefined,
        onEvent: (e) => {
          if (e.type === 'manifest-skipped' && e.digest === r.digest) present = true;
          onEvent(e);
        },
      });
      // a registry holds it by digest; a layout must list it or it is unreachable
      if ('location' in dst) {
        if (present) await relist(dst, r, checked.bytes, opts.signal);
      } else {
        try {
          await dst.tag(r, r.digest);
        } catch (e) {
          throw new CopyError('destination', `referrer ${r.digest}: ${(e as Error).message}`, { cause: e });
        }
      }
      result.copied++;
      result.bytes += copied.bytes;
      onEvent({ type: 'referrer-copied', subject: subject.digest, digest: r.digest, ...(r.artifactType ? { artifactType: r.artifactType } : {}) });
      subjects.push(r);
    }
  }
  return result;
}

/**
 * A referrer the registry already holds (an earlier run that stopped before the fallback tag index
 * was written, a tool that does not keep that index) was skipped by the graph copy: PUT its bytes
 * again, so that a registry without the referrers API gets it listed (RemoteRepository adds it to
 * the fallback index once; a registry with the API answers OCI-Subject and nothing more happens).
 */
async function relist(dst: Target, r: Descriptor, bytes: Buffer, signal?: AbortSignal): Promise<void> {
  try {
    await dst.push(r, Readable.from([bytes]), { signal });
  } catch (e) {
    throw new CopyError('destination', `referrer ${r.digest}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * A listed referrer's manifest bytes (verified, kept for `relist`), or why it is not copied: not a
 * manifest, gone, listed wrongly, or about another subject.
 */
async function checkReferrer(src: ReadOnlyTarget, r: Descriptor, subject: Digest, signal?: AbortSignal): Promise<{ bytes: Buffer } | { refused: string }> {
  if (!isManifestType(r.mediaType)) return { refused: `not a manifest (${r.mediaType})` };
  let bytes: Buffer;
  let parsed;
  try {
    bytes = await fetchBytes(src, r, { signal });
    parsed = parseManifest(bytes, r.mediaType);
  } catch (e) {
    if (e instanceof RegistryError && ['MANIFEST_UNKNOWN', 'BLOB_UNKNOWN', 'NAME_UNKNOWN'].includes(e.code)) return { refused: 'listed, but no longer at the source' };
    if (e instanceof DistError && e.code === 'MANIFEST_INVALID') return { refused: `not a valid manifest: ${e.message}` };
    // listed with a size its bytes do not have (a hand-made or stale fallback entry)
    if (e instanceof DistError && (e.code === 'SIZE_MISMATCH' || e.code === 'MANIFEST_TOO_BIG')) return { refused: `listed wrongly: ${e.message}` };
    throw new CopyError('source', `referrer ${r.digest}: ${(e as Error).message}`, { cause: e });
  }
  const of = subjectOf(parsed)?.digest;
  return of === subject ? { bytes } : { refused: `its subject is ${of ?? 'missing'}, not ${subject}` };
}

/** The manifests an index lists (their referrers travel with the image too). */
async function childManifests(src: ReadOnlyTarget, root: Descriptor, signal?: AbortSignal): Promise<Descriptor[]> {
  if (!isIndexType(root.mediaType)) return [];
  const parsed = parseManifest(await fetchBytes(src, root, { signal }), root.mediaType);
  return parsed.kind === 'index' ? parsed.manifest.manifests : [];
}
