import type { Digest } from '../digest/digest.js';
import { BlobStore } from './blob-store.js';
import { Catalog } from './catalog.js';
import type { StorageDriver } from './driver/driver.js';
import type { ManifestHandler } from './manifest-handlers.js';
import { ManifestStore } from './manifest-store.js';
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

  constructor(readonly driver: StorageDriver, opts: { manifestHandlers?: Map<string, ManifestHandler> } = {}) {
    this.blobs = new BlobStore(driver);
    this.repoBlobs = new RepoBlobs(driver, this.blobs);
    this.uploads = new UploadSessions(driver, this.blobs, this.repoBlobs);
    this.manifests = new ManifestStore(driver, this.blobs, this.repoBlobs, opts.manifestHandlers);
    this.tags = new TagStore(driver);
    this.catalog = new Catalog(driver);
    this.referrers = new Referrers(this.manifests);
  }

  /** Delete a manifest revision and every tag that points at it; returns the removed tags. */
  async deleteManifest(name: string, digest: Digest): Promise<string[]> {
    await this.manifests.delete(name, digest);
    const tags = await this.tags.tagsOf(name, digest);
    for (const t of tags) await this.tags.untag(name, t).catch(() => undefined);
    return tags;
  }

  async repositoryExists(name: string): Promise<boolean> {
    return this.driver.stat(paths.repo(name)).then(
      (s) => s.isDir,
      () => false,
    );
  }
}
