import type { Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import { BlobStore } from './blob-store.js';
import { Catalog } from './catalog.js';
import type { StorageDriver } from './driver/driver.js';
import type { ManifestHandler } from './manifest-handlers.js';
import { ManifestStore, type StoredManifest } from './manifest-store.js';
import { KeyedRwLock } from './mutex.js';
import { paths } from './paths.js';
import { Referrers } from './referrers.js';
import { RepoBlobs } from './repo-blobs.js';
import { TagStore } from './tag-store.js';
import { UploadSessions } from './upload-sessions.js';

/** Every storage service of the registry over one driver. */
export class RegistryStorage {
  readonly blobs: BlobStore;
  readonly repoBlobs: RepoBlobs;
  readonly uploads: UploadSessions;
  readonly manifests: ManifestStore;
  readonly tags: TagStore;
  readonly catalog: Catalog;
  readonly referrers: Referrers;
  /**
   * Manifest PUTs of a repository (revision, then tags) hold it shared, a DELETE by digest holds it
   * exclusively: a DELETE that fell between a PUT's revision and its tag left a tag that was listed
   * but pointed at a deleted manifest.
   */
  private readonly manifestLock = new KeyedRwLock();

  constructor(readonly driver: StorageDriver, opts: { manifestHandlers?: Map<string, ManifestHandler> } = {}) {
    this.blobs = new BlobStore(driver);
    this.repoBlobs = new RepoBlobs(driver, this.blobs);
    this.uploads = new UploadSessions(driver, this.blobs, this.repoBlobs);
    this.manifests = new ManifestStore(driver, this.blobs, this.repoBlobs, opts.manifestHandlers);
    this.tags = new TagStore(driver);
    this.catalog = new Catalog(driver);
    this.referrers = new Referrers(this.manifests);
  }

  /** Validate and store a manifest, then point `tags` at it (see `manifestLock`). */
  async putManifest(name: string, bytes: Buffer, contentType: string | undefined, expected: Digest | undefined, tags: string[], urlTag?: string): Promise<StoredManifest> {
    return this.manifestLock.shared(name, async () => {
      const stored = await this.manifests.put(name, bytes, contentType, expected, urlTag);
      for (const t of tags) await this.tags.tag(name, t, stored.digest);
      return stored;
    });
  }

  /** Delete a manifest revision and every tag that points at it; returns the removed tags. */
  async deleteManifest(name: string, digest: Digest): Promise<string[]> {
    return this.manifestLock.exclusive(name, async () => {
      if (!(await this.manifests.isRevision(name, digest))) throw new RegistryError('MANIFEST_UNKNOWN', undefined, { digest });
      // Tags first, and a failure stops here: a failure or a crash between the steps leaves the
      // manifest with fewer tags, never a listed tag whose manifest is gone (it did, with a 202).
      const tags = await this.tags.tagsOf(name, digest);
      for (const t of tags) {
        await this.tags.untag(name, t).catch((e: unknown) => {
          if (!(e instanceof RegistryError && e.code === 'MANIFEST_UNKNOWN')) throw e;
        });
      }
      await this.manifests.delete(name, digest);
      return tags;
    });
  }

  async repositoryExists(name: string): Promise<boolean> {
    return this.driver.stat(paths.repo(name)).then(
      (s) => s.isDir,
      () => false,
    );
  }
}
