import type { Digest } from '../../digest/digest.js';
import type { StorageDriver } from '../driver/driver.js';
import { deleteIfExists } from '../links.js';
import { paths } from '../paths.js';
import type { DigestGuard } from './guard.js';
import type { ManifestDeletion } from './mark.js';

/** Whether a path was modified within the grace period (missing counts as young: leave it alone). */
export async function isYoung(driver: StorageDriver, path: string, cutoff: number): Promise<boolean> {
  if (cutoff <= 0) return false;
  try {
    return (await driver.stat(path)).modTime.getTime() >= cutoff;
  } catch {
    return true;
  }
}

/** distribution's vacuum.RemoveManifest: the tags' index entries, then the revision directory. */
export async function removeManifest(driver: StorageDriver, m: ManifestDeletion): Promise<void> {
  for (const tag of m.tags) await deleteIfExists(driver, paths.tagIndexLink(m.repo, tag, m.digest).replace(/\/link$/, ''));
  await deleteIfExists(driver, paths.revisionDir(m.repo, m.digest));
}

/**
 * Delete one blob: its `_layers` links first (so no repository claims it), then its directory.
 * With a guard (online GC) this happens only if no request touched the digest since `since`.
 */
export async function removeBlob(driver: StorageDriver, digest: Digest, linkedIn: string[], guard: DigestGuard | undefined, since: number): Promise<boolean> {
  const run = async (): Promise<void> => {
    for (const repo of linkedIn) await deleteIfExists(driver, paths.layerLink(repo, digest).replace(/\/link$/, ''));
    await deleteIfExists(driver, paths.blobDir(digest));
  };
  if (!guard) {
    await run();
    return true;
  }
  return guard.tryDelete(digest, since, run);
}
