import type { Readable } from 'node:stream';
import { isDigest, type Digest } from '../../digest/digest.js';
import { DistError, RegistryError } from '../../errors/errors.js';
import { parseManifest, subjectOf } from '../../oci/manifest.js';
import { isManifestType } from '../../oci/mediatypes.js';
import { referrerDescriptor } from '../../oci/referrer.js';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, type Descriptor, type ImageIndex } from '../../oci/types.js';
import { readCapped } from '../read.js';
import type { FileSource } from '../source.js';
import type { FetchOptions, ReadOnlyTarget, ReferrerLister } from '../target.js';
import { MAX_MANIFEST_BYTES } from '../target.js';
import { verified } from '../verify.js';
import { MAX_INDEX_BYTES, parseIndex } from './index-file.js';
import { blobName, INDEX_FILE, OCI_LAYOUT_FILE } from './paths.js';
import { formatReference, parseReference } from '../../ref/reference.js';

/** Is there an OCI layout (oci-layout + index.json) in this source? */
export async function isLayout(src: FileSource): Promise<boolean> {
  return (await src.size(OCI_LAYOUT_FILE)) !== undefined && (await src.size(INDEX_FILE)) !== undefined;
}

/**
 * Read side of an OCI image layout over any FileSource (directory or tar). Every full fetch is
 * verified against the descriptor while it streams.
 */
export class LayoutReader implements ReadOnlyTarget, ReferrerLister {
  constructor(protected readonly src: FileSource) {}

  /** The layout's index.json (empty index when the file does not exist yet). */
  async index(): Promise<ImageIndex> {
    if ((await this.src.size(INDEX_FILE)) === undefined) return { schemaVersion: 2, manifests: [] };
    const bytes = await readCapped(await this.src.open(INDEX_FILE), MAX_INDEX_BYTES, 'index.json');
    return parseIndex(bytes, this.src.description);
  }

  async exists(desc: Descriptor): Promise<boolean> {
    return (await this.src.size(blobName(desc.digest))) !== undefined;
  }

  async fetch(desc: Descriptor, opts?: FetchOptions): Promise<Readable> {
    const name = blobName(desc.digest);
    if ((await this.src.size(name)) === undefined) {
      throw new RegistryError('BLOB_UNKNOWN', `blob ${desc.digest} not found in ${this.src.description}`, { digest: desc.digest });
    }
    const body = await this.src.open(name, opts?.offset ?? 0);
    return opts?.offset || opts?.verify === false ? body : verified(body, desc);
  }

  /**
   * A tag (the `org.opencontainers.image.ref.name` annotation, or the tag part of a full
   * reference stored there), a digest, or '' when the layout holds exactly one manifest.
   */
  async resolve(reference: string): Promise<Descriptor> {
    const entries = (await this.index()).manifests;
    if (!reference) {
      if (entries.length === 1) return entries[0]!;
      // referrers that copy --referrers or attach listed (untagged, with their artifactType) are not candidates
      const images = entries.filter((d) => !(d.artifactType && !d.annotations?.[ANNOTATION_REF_NAME]));
      if (images.length === 1) return images[0]!;
      throw new DistError('USAGE', `${this.src.description} holds ${entries.length} manifests: name one with :TAG or @DIGEST`);
    }
    if (isDigest(reference)) {
      const listed = entries.find((d) => d.digest === reference);
      if (listed) return listed;
      return this.describeBlob(reference);
    }
    // `v1`, `repo:v1`, or the full name an archive records (`registry:5000/team/app:v1`, containerd's annotation)
    const hit = entries.find((d) => refMatches(d.annotations?.[ANNOTATION_REF_NAME], reference) || sameImage(d.annotations?.[ANNOTATION_IMAGE_NAME], reference));
    if (!hit) throw new RegistryError('MANIFEST_UNKNOWN', `${reference}: no such tag in ${this.src.description}`, { tag: reference });
    return hit;
  }

  /**
   * Manifests listed in index.json whose `subject` is `digest` (how `copy --referrers` stores them in
   * a layout, as oras does), as the referrers API would describe them.
   */
  async referrers(digest: Digest, opts: { artifactType?: string } = {}): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    const seen = new Set<string>();
    for (const d of (await this.index()).manifests) {
      if (seen.has(d.digest) || !isManifestType(d.mediaType) || d.size > MAX_MANIFEST_BYTES) continue;
      seen.add(d.digest);
      const info = await this.referrerInfo(d);
      if (info?.subject !== digest) continue;
      if (opts.artifactType === undefined || info.descriptor.artifactType === opts.artifactType) out.push(info.descriptor);
    }
    return out;
  }

  /** Manifests never change under their digest: what each one refers to is read once per reader. */
  private readonly referrerCache = new Map<string, { subject?: Digest; descriptor: Descriptor } | null>();

  private async referrerInfo(d: Descriptor): Promise<{ subject?: Digest; descriptor: Descriptor } | null> {
    const hit = this.referrerCache.get(d.digest);
    if (hit !== undefined) return hit;
    let info: { subject?: Digest; descriptor: Descriptor } | null = null;
    try {
      const parsed = parseManifest(await readCapped(await this.fetch(d), MAX_MANIFEST_BYTES, d.digest), d.mediaType);
      const descriptor = referrerDescriptor(parsed, d.digest, d.size);
      if (descriptor) info = { subject: subjectOf(parsed)?.digest, descriptor };
    } catch {
      return null; // a missing or damaged entry is no referrer (and must not hide the others); not cached
    }
    this.referrerCache.set(d.digest, info);
    return info;
  }

  /** Tags recorded in index.json. */
  async tags(): Promise<string[]> {
    return (await this.index()).manifests.flatMap((d) => d.annotations?.[ANNOTATION_REF_NAME] ?? []);
  }

  private async describeBlob(digest: string): Promise<Descriptor> {
    const size = await this.src.size(blobName(digest as Descriptor['digest']));
    if (size === undefined || size > MAX_MANIFEST_BYTES) throw new RegistryError('MANIFEST_UNKNOWN', `manifest ${digest} not found in ${this.src.description}`);
    const d = { mediaType: 'application/octet-stream', digest, size } as Descriptor;
    const bytes = await readCapped(await this.fetch(d), MAX_MANIFEST_BYTES, digest);
    return { mediaType: parseManifest(bytes).mediaType, digest: d.digest, size };
  }
}

/** The same image name once both are normalised (`alpine:3.19` is `docker.io/library/alpine:3.19`). */
function sameImage(stored: string | undefined, wanted: string): boolean {
  if (!stored || !wanted.includes(':')) return false;
  try {
    return formatReference(parseReference(stored)) === formatReference(parseReference(wanted));
  } catch {
    return false;
  }
}

/** `v1` matches `v1` and `registry/repo:v1`. */
function refMatches(stored: string | undefined, wanted: string): boolean {
  if (!stored) return false;
  if (stored === wanted) return true;
  return stored.endsWith(`:${wanted}`) && stored.lastIndexOf('/') < stored.length - wanted.length - 1;
}
