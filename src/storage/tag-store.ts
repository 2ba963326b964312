import type { Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import type { StorageDriver } from './driver/driver.js';
import { deleteIfExists, listOrEmpty, readLink, sizeOf, writeLink } from './links.js';
import { paths } from './paths.js';

/** Tags: `_manifests/tags/<tag>/current/link` plus the `index/` history distribution keeps. */
export class TagStore {
  constructor(private readonly driver: StorageDriver) {}

  /** The digest a tag points at; MANIFEST_UNKNOWN when the tag does not exist. */
  async resolve(name: string, tag: string): Promise<Digest> {
    const d = await readLink(this.driver, paths.tagCurrent(name, tag));
    if (d === undefined) throw new RegistryError('MANIFEST_UNKNOWN', `manifest unknown: tag ${tag}`, { tag });
    return d;
  }

  /** Point a tag at a manifest (each link appears atomically: the driver writes temp + rename). */
  async tag(name: string, tag: string, digest: Digest): Promise<void> {
    await writeLink(this.driver, paths.tagIndexLink(name, tag, digest), digest);
    await writeLink(this.driver, paths.tagCurrent(name, tag), digest);
  }

  /** Every tag of the repository, byte-sorted. NAME_UNKNOWN when the repository does not exist. */
  async list(name: string): Promise<string[]> {
    const names = await listOrEmpty(this.driver, paths.tagsDir(name));
    if (names.length === 0 && (await this.driver.stat(paths.repo(name)).then(() => false, () => true))) {
      throw new RegistryError('NAME_UNKNOWN', undefined, { name });
    }
    const out: string[] = [];
    for (const t of names) if ((await sizeOf(this.driver, paths.tagCurrent(name, t))) !== undefined) out.push(t);
    return out.sort();
  }

  /** Remove a tag (its whole directory). MANIFEST_UNKNOWN when it does not exist. */
  async untag(name: string, tag: string): Promise<void> {
    if (!(await deleteIfExists(this.driver, paths.tagDir(name, tag)))) throw new RegistryError('MANIFEST_UNKNOWN', `manifest unknown: tag ${tag}`, { tag });
  }

  /** Tags whose current link points at `digest`. */
  async tagsOf(name: string, digest: Digest): Promise<string[]> {
    const out: string[] = [];
    for (const t of await listOrEmpty(this.driver, paths.tagsDir(name))) {
      if ((await readLink(this.driver, paths.tagCurrent(name, t))) === digest) out.push(t);
    }
    return out;
  }
}
