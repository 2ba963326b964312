import type { Digest } from '../digest/digest.js';
import type { StorageDriver } from './driver/driver.js';
import { paths } from './paths.js';
import type { DigestGuard } from './gc/guard.js';
import { type ManifestDeletion, mark } from './gc/mark.js';
import { isYoung, removeBlob, removeManifest } from './gc/sweep.js';
import { layerLinks, listBlobs, listRepositoryDirs } from './gc/walk.js';

export interface GcOptions {
  dryRun?: boolean;
  deleteUntagged?: boolean;
  /** Progress lines in distribution's wording (`<repo>: marking manifest …`, `blob eligible for deletion: …`). */
  emit?: (line: string) => void;
  /** Online mode: coordinate with requests being served (see gc/guard.ts). */
  guard?: DigestGuard;
  /** Online mode: never delete blobs, links or manifests written or used in the last `gracePeriodMs`. */
  gracePeriodMs?: number;
  now?: () => number;
}

export interface GcReport {
  marked: number;
  /** Blobs found unreferenced (deleted unless dry run or protected). */
  eligible: Digest[];
  deleted: Digest[];
  /** Eligible blobs left alone because they are young or were used during the cycle. */
  protected: Digest[];
  manifests: ManifestDeletion[];
  layerLinksRemoved: number;
}

/**
 * Mark and sweep (distribution's `garbage-collect`): mark every manifest revision of every
 * repository and what it references, then delete every blob in `blobs/` that is not marked,
 * with the unmarked `_layers` links naming it. Offline (no guard, no grace) it deletes exactly
 * what `docker-registry garbage-collect` deletes; online it never deletes anything in use.
 */
export async function collectGarbage(driver: StorageDriver, opts: GcOptions = {}): Promise<GcReport> {
  const emit = opts.emit ?? (() => {});
  const now = opts.now ?? Date.now;
  const started = now();
  const grace = opts.gracePeriodMs ?? 0;
  const since = started - grace;
  const { marked, manifests } = await mark(driver, { deleteUntagged: opts.deleteUntagged, emit });
  const eligible = (await listBlobs(driver)).filter((d) => !marked.has(d));
  emit(`\n${marked.size} blobs marked, ${eligible.length} blobs and ${manifests.length} manifests eligible for deletion`);
  const report: GcReport = { marked: marked.size, eligible, deleted: [], protected: [], manifests: [], layerLinksRemoved: 0 };
  const linkedIn = new Map<Digest, string[]>();
  for (const repo of await listRepositoryDirs(driver)) {
    for (const d of await layerLinks(driver, repo)) if (!marked.has(d)) linkedIn.set(d, [...(linkedIn.get(d) ?? []), repo]);
  }
  for (const d of eligible) emit(`blob eligible for deletion: ${d}`);
  if (opts.dryRun) {
    report.manifests = manifests;
    return report;
  }
  const spared = new Set<Digest>();
  for (const m of manifests) {
    // online: through the guard, so a concurrent PUT of the same manifest either wins (it touched first) or waits
    const removed = !(await isYoung(driver, paths.revisionLink(m.repo, m.digest), grace > 0 ? since : 0)) &&
      (opts.guard ? await opts.guard.tryDelete(m.digest, since, () => removeManifest(driver, m)) : (await removeManifest(driver, m), true));
    if (removed) report.manifests.push(m);
    else for (const d of [m.digest, ...m.refs]) spared.add(d); // a manifest left in place keeps what it references
  }
  for (const d of eligible) {
    if (spared.has(d)) {
      report.protected.push(d);
      continue;
    }
    if (await isYoung(driver, paths.blobData(d), grace > 0 ? since : 0)) {
      report.protected.push(d);
      continue;
    }
    const repos = linkedIn.get(d) ?? [];
    if (await removeBlob(driver, d, repos, opts.guard, since)) {
      report.deleted.push(d);
      report.layerLinksRemoved += repos.length;
    } else report.protected.push(d);
  }
  opts.guard?.prune(since);
  return report;
}
