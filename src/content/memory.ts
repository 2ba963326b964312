import { Readable } from 'node:stream';
import { isDigest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import type { Descriptor } from '../oci/types.js';
import { isManifestType } from '../oci/mediatypes.js';
import { readCapped } from './read.js';
import type { FetchOptions, PushOptions, Target } from './target.js';
import { verified } from './verify.js';

/** Largest blob the memory store accepts (it is for tests and small artifacts). */
export const MEMORY_STORE_MAX_BLOB = 256 * 1024 * 1024;

/** An in-memory Target: blobs by digest, tags by name. Content is verified before it is stored. */
export class MemoryStore implements Target {
  private readonly blobs = new Map<string, { desc: Descriptor; data: Buffer }>();
  private readonly tags = new Map<string, Descriptor>();

  async exists(desc: Descriptor): Promise<boolean> {
    return this.blobs.has(desc.digest);
  }

  async fetch(desc: Descriptor, opts?: FetchOptions): Promise<Readable> {
    const hit = this.blobs.get(desc.digest);
    if (!hit) throw new RegistryError('BLOB_UNKNOWN', `blob unknown: ${desc.digest}`, { digest: desc.digest });
    return Readable.from([hit.data.subarray(opts?.offset ?? 0)]);
  }

  async push(expected: Descriptor, body: Readable, opts?: PushOptions): Promise<void> {
    if (opts?.offset) throw new RegistryError('UNSUPPORTED', 'the memory store cannot resume a partial push');
    const data = await readCapped(verified(body, expected), MEMORY_STORE_MAX_BLOB, expected.digest);
    opts?.onProgress?.(data.length);
    this.blobs.set(expected.digest, { desc: strip(expected), data });
  }

  async resolve(reference: string): Promise<Descriptor> {
    const tagged = this.tags.get(reference);
    if (tagged) return tagged;
    const hit = isDigest(reference) ? this.blobs.get(reference) : undefined;
    if (hit && isManifestType(hit.desc.mediaType)) return hit.desc;
    throw new RegistryError('MANIFEST_UNKNOWN', `manifest unknown: ${reference}`, { reference });
  }

  async tag(desc: Descriptor, reference: string): Promise<void> {
    if (!this.blobs.has(desc.digest)) throw new RegistryError('MANIFEST_UNKNOWN', `manifest unknown: ${desc.digest}`);
    if (!isDigest(reference)) this.tags.set(reference, strip(desc));
  }

  /** Tags currently defined (sorted). */
  listTags(): string[] {
    return [...this.tags.keys()].sort();
  }

  /** Number of blobs held (manifests included). */
  get size(): number {
    return this.blobs.size;
  }
}

function strip(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}
