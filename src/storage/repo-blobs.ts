import type { Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import type { BlobStore } from './blob-store.js';
import type { StorageDriver } from './driver/driver.js';
import { deleteIfExists, readLink, writeLink } from './links.js';
import { paths } from './paths.js';

/** Blobs as a repository sees them: visible only through `_layers/<alg>/<hex>/link`. */
export class RepoBlobs {
  constructor(private readonly driver: StorageDriver, private readonly blobs: BlobStore) {}

  /** Size of a blob linked into `name`, or undefined when not linked or its data is gone. */
  async size(name: string, digest: Digest): Promise<number | undefined> {
    const link = await readLink(this.driver, paths.layerLink(name, digest));
    if (link === undefined) return undefined;
    return this.blobs.size(link);
  }

  /** Like size() but throws BLOB_UNKNOWN. */
  async stat(name: string, digest: Digest): Promise<number> {
    const size = await this.size(name, digest);
    if (size === undefined) throw new RegistryError('BLOB_UNKNOWN', undefined, { digest });
    return size;
  }

  async link(name: string, digest: Digest): Promise<void> {
    const path = paths.layerLink(name, digest);
    if ((await readLink(this.driver, path)) === digest) return;
    await writeLink(this.driver, path, digest);
  }

  /** The canonical digest a repository link points at (differs from `digest` for a legacy tarsum alias). */
  async canonical(name: string, digest: Digest): Promise<Digest | undefined> {
    return (await readLink(this.driver, paths.layerLink(name, digest))) as Digest | undefined;
  }

  /** Link `alias` (a tarsum) to the canonical blob, as the V2.0 registry did: the link holds the canonical digest. */
  async linkAlias(name: string, alias: Digest, canonical: Digest): Promise<void> {
    await writeLink(this.driver, paths.layerLink(name, alias), canonical);
  }

  /** Remove the repository's link (the data stays until GC). BLOB_UNKNOWN when not linked. */
  async unlink(name: string, digest: Digest): Promise<void> {
    if (!(await deleteIfExists(this.driver, paths.layerLink(name, digest)))) throw new RegistryError('BLOB_UNKNOWN', undefined, { digest });
  }
}
