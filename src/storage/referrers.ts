import type { Digest } from '../digest/digest.js';
import { subjectOf } from '../oci/manifest.js';
import { referrerDescriptor } from '../oci/referrer.js';
import type { Descriptor } from '../oci/types.js';
import type { ManifestStore } from './manifest-store.js';

/** What the referrers API needs from one manifest (immutable per digest, so cacheable). */
interface ReferrerInfo {
  subject?: Digest;
  descriptor: Descriptor;
}

const CACHE_LIMIT = 10_000;

/**
 * The referrers index: manifests of a repository whose `subject` is a given digest. It is derived
 * from the revisions on disk (so data written by another registry is indexed too); per-digest facts
 * are cached in memory because manifests never change.
 */
export class Referrers {
  private readonly cache = new Map<string, ReferrerInfo | null>();

  constructor(private readonly manifests: ManifestStore) {}

  async list(name: string, subject: Digest, artifactType?: string): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    for (const d of await this.manifests.revisions(name)) {
      const info = await this.info(name, d);
      if (!info || info.subject !== subject) continue;
      if (artifactType !== undefined && info.descriptor.artifactType !== artifactType) continue;
      out.push(info.descriptor);
    }
    return out.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  }

  private async info(name: string, digest: Digest): Promise<ReferrerInfo | null> {
    const hit = this.cache.get(digest);
    if (hit !== undefined) return hit;
    let info: ReferrerInfo | null = null;
    try {
      const m = await this.manifests.get(name, digest);
      const p = m.parsed;
      const descriptor = p && referrerDescriptor(p, digest, m.bytes.length);
      if (p && descriptor) info = { subject: subjectOf(p)?.digest, descriptor };
    } catch {
      return null;
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(digest, info);
    return info;
  }
}
