import type { StorageDriver } from '../driver/driver.js';
import { deleteIfExists, listOrEmpty } from '../links.js';
import { paths } from '../paths.js';
import { listRepositoryDirs } from './walk.js';

export interface PurgeReport {
  purged: Array<{ repo: string; id: string; startedAt?: string }>;
  kept: number;
}

/** When an upload started: its `startedat` file, else the data file's mtime; undefined if neither. */
async function startedAt(driver: StorageDriver, repo: string, id: string): Promise<number | undefined> {
  try {
    const t = Date.parse((await driver.getContent(paths.uploadStartedAt(repo, id))).toString('utf8').trim());
    if (Number.isFinite(t)) return t;
  } catch {
    // fall through
  }
  try {
    return (await driver.stat(paths.uploadData(repo, id))).modTime.getTime();
  } catch {
    try {
      return (await driver.stat(paths.uploadDir(repo, id))).modTime.getTime();
    } catch {
      return undefined;
    }
  }
}

/**
 * `storage.maintenance.uploadpurging`: delete upload sessions (`_uploads/<id>/`) that started
 * more than `ageMs` ago (distribution's PurgeUploads). Live sessions younger than that stay.
 */
export async function purgeUploads(driver: StorageDriver, opts: { ageMs: number; dryRun?: boolean; now?: number }): Promise<PurgeReport> {
  const cutoff = (opts.now ?? Date.now()) - opts.ageMs;
  const report: PurgeReport = { purged: [], kept: 0 };
  for (const repo of await listRepositoryDirs(driver)) {
    for (const id of await listOrEmpty(driver, paths.uploadsDir(repo))) {
      const t = await startedAt(driver, repo, id);
      if (t === undefined || t >= cutoff) {
        report.kept++;
        continue;
      }
      if (!opts.dryRun) await deleteIfExists(driver, paths.uploadDir(repo, id));
      report.purged.push({ repo, id, startedAt: new Date(t).toISOString() });
    }
  }
  return report;
}
