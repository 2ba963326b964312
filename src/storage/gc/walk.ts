import { isDigest, type Digest } from '../../digest/digest.js';
import type { StorageDriver } from '../driver/driver.js';
import { listOrEmpty, readLink, sizeOf } from '../links.js';
import { paths } from '../paths.js';

/**
 * Enumerations garbage collection needs, read straight from distribution's layout.
 * Repositories are found as distribution 2.8 does: a directory under `repositories/` holding
 * `_manifests` is a repository; `_`-prefixed directories are not descended.
 */
export async function listRepositories(driver: StorageDriver): Promise<string[]> {
  const out: string[] = [];
  const walk = async (prefix: string): Promise<void> => {
    const children = await listOrEmpty(driver, prefix ? paths.repo(prefix) : paths.reposRoot);
    if (prefix && children.includes('_manifests')) out.push(prefix);
    for (const c of children.sort()) {
      if (c.startsWith('_')) continue;
      await walk(prefix ? `${prefix}/${c}` : c);
    }
  };
  await walk('');
  return out;
}

/** Every repository directory with a `_layers` or `_uploads` dir (for link cleanup and upload purging). */
export async function listRepositoryDirs(driver: StorageDriver): Promise<string[]> {
  const out: string[] = [];
  const walk = async (prefix: string): Promise<void> => {
    const children = await listOrEmpty(driver, prefix ? paths.repo(prefix) : paths.reposRoot);
    if (prefix && children.some((c) => c === '_manifests' || c === '_layers' || c === '_uploads')) out.push(prefix);
    for (const c of children.sort()) if (!c.startsWith('_')) await walk(prefix ? `${prefix}/${c}` : c);
  };
  await walk('');
  return out;
}

/**
 * Digests under a `<alg>/<hex>/link` tree (revisions, `_layers`), read from the link files. A link
 * file whose content is not a digest (corrupt) counts by its path, as distribution enumerates them:
 * skipping it would leave the manifest unmarked and its blobs swept.
 */
async function linkTree(driver: StorageDriver, dir: string): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const alg of await listOrEmpty(driver, dir)) {
    for (const hex of await listOrEmpty(driver, `${dir}/${alg}`)) {
      const path = `${dir}/${alg}/${hex}/link`;
      const d = await readLink(driver, path);
      if (d !== undefined) out.push(d);
      else if (isDigest(`${alg}:${hex}`) && (await sizeOf(driver, path)) !== undefined) out.push(`${alg}:${hex}` as Digest);
    }
  }
  return out;
}

export function manifestRevisions(driver: StorageDriver, repo: string): Promise<Digest[]> {
  return linkTree(driver, paths.revisionsDir(repo));
}

export function layerLinks(driver: StorageDriver, repo: string): Promise<Digest[]> {
  return linkTree(driver, paths.layersDir(repo));
}

/** tag → current digest; undefined when the repository has no `_manifests/tags` dir at all. */
export async function tagCurrents(driver: StorageDriver, repo: string): Promise<Map<string, Digest> | undefined> {
  let names: string[];
  try {
    names = await driver.list(paths.tagsDir(repo));
  } catch {
    return undefined;
  }
  const out = new Map<string, Digest>();
  for (const t of names) {
    const d = await readLink(driver, paths.tagCurrent(repo, t));
    if (d !== undefined) out.set(t, d);
    // a corrupt current link: which manifest the tag keeps is unknown, so nothing may be called untagged
    else if ((await sizeOf(driver, paths.tagCurrent(repo, t))) !== undefined) {
      throw new Error(`gc: tag ${t} of ${repo} has a corrupt current link; nothing was deleted: re-push or delete the tag, then rerun`);
    }
  }
  return out;
}

/** Every blob in the global store (`blobs/<alg>/<2>/<hex>/data`), sha256 and sha512. */
export async function listBlobs(driver: StorageDriver): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const alg of await listOrEmpty(driver, paths.blobsRoot)) {
    for (const fan of await listOrEmpty(driver, `${paths.blobsRoot}/${alg}`)) {
      for (const hex of await listOrEmpty(driver, `${paths.blobsRoot}/${alg}/${fan}`)) {
        const d = `${alg}:${hex}`;
        if (isDigest(d)) out.push(d);
      }
    }
  }
  return out.sort();
}
