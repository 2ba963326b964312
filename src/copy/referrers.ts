import { fetchBytes } from '../content/read.js';
import { listsReferrers, type ReadOnlyTarget, type Target } from '../content/target.js';
import { CopyError, UsageError } from '../errors/errors.js';
import { parseManifest } from '../oci/manifest.js';
import { isIndexType } from '../oci/mediatypes.js';
import type { Descriptor } from '../oci/types.js';
import { copyGraph, type GraphCopyOptions } from './graph.js';

export interface ReferrersCopyResult {
  /** Referrer manifests copied (signatures, SBOMs, attestations…), at any depth. */
  copied: number;
  bytes: number;
}

/**
 * Copy what refers to an image (OCI 1.1 referrers) after the image itself: the referrers of
 * `root` and, for an index, of each of its manifests; then theirs (a signature of an SBOM), to any
 * depth. Each referrer is a graph copy of its own, so its blobs are skipped or mounted like the
 * image's. A registry destination indexes them itself or gets the fallback tag (see
 * RemoteRepository); a layout lists them in index.json, untagged, as oras does.
 */
export async function copyReferrers(src: ReadOnlyTarget, dst: Target, root: Descriptor, opts: GraphCopyOptions = {}): Promise<ReferrersCopyResult> {
  if (!listsReferrers(src)) throw new UsageError('--referrers: this source cannot list referrers (use a registry or an OCI layout)');
  const onEvent = opts.onEvent ?? (() => undefined);
  const result: ReferrersCopyResult = { copied: 0, bytes: 0 };
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
      const copied = await copyGraph(src, dst, r, { ...opts, platform: undefined, preferPlatform: undefined });
      // a registry holds it by digest; a layout must list it or it is unreachable
      if (!('location' in dst)) {
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

/** The manifests an index lists (their referrers travel with the image too). */
async function childManifests(src: ReadOnlyTarget, root: Descriptor, signal?: AbortSignal): Promise<Descriptor[]> {
  if (!isIndexType(root.mediaType)) return [];
  const parsed = parseManifest(await fetchBytes(src, root, { signal }), root.mediaType);
  return parsed.kind === 'index' ? parsed.manifest.manifests : [];
}
