import { describe, expect, it } from 'vitest';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { purgeUploads } from '../../src/storage/gc/uploads.js';
import { paths } from '../../src/storage/paths.js';
import { tempDir } from '../helpers/temp.js';

describe('upload purging', () => {
  it('removes uploads older than the age and keeps younger ones (dry run removes nothing)', async () => {
    const driver = new FilesystemDriver(tempDir());
    const now = Date.parse('2026-01-10T00:00:00Z');
    await driver.putContent(paths.uploadStartedAt('a/b', 'old'), Buffer.from('2026-01-01T00:00:00Z'));
    await driver.putContent(paths.uploadData('a/b', 'old'), Buffer.from('partial'));
    await driver.putContent(paths.uploadStartedAt('a/b', 'new'), Buffer.from('2026-01-09T23:00:00Z'));
    await driver.putContent(paths.uploadStartedAt('c', 'old2'), Buffer.from('2025-12-01T00:00:00Z'));
    const week = 7 * 86400_000;
    const dry = await purgeUploads(driver, { ageMs: week, now, dryRun: true });
    expect(dry.purged.map((p) => `${p.repo}/${p.id}`).sort()).toEqual(['a/b/old', 'c/old2']);
    expect((await driver.list(paths.uploadsDir('a/b'))).sort()).toEqual(['new', 'old']);
    const real = await purgeUploads(driver, { ageMs: week, now });
    expect(real.purged).toHaveLength(2);
    expect(real.kept).toBe(1);
    expect(await driver.list(paths.uploadsDir('a/b'))).toEqual(['new']);
    expect(await driver.list(paths.uploadsDir('c'))).toEqual([]);
  });
});
