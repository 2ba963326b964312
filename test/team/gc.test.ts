import { randomBytes } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { MemoryDriver } from '../../src/storage/driver/memory.js';
import type { StorageDriver } from '../../src/storage/driver/driver.js';
import { collectGarbage } from '../../src/storage/gc.js';
import { GcGuard } from '../../src/storage/gc/guard.js';
import { GuardedDriver } from '../../src/storage/gc/guarded-driver.js';
import { paths } from '../../src/storage/paths.js';
import { blobExists, deleteManifest, putBlob, putImage, putIndex } from './gc-fixture.js';
import { tempDir } from '../helpers/temp.js';

const drivers: Array<[string, () => StorageDriver]> = [
  ['filesystem', () => new FilesystemDriver(tempDir())],
  ['memory', () => new MemoryDriver()],
];

describe.each(drivers)('gc (%s driver)', (_name, make) => {
  it('removes exactly the blobs no manifest references, keeps shared ones; dry run deletes nothing', async () => {
    const driver = make();
    const shared = randomBytes(100);
    const a = await putImage(driver, 'team/a', 'v1', { layers: [shared, randomBytes(50)] });
    const b = await putImage(driver, 'team/b', 'v1', { layers: [shared] });
    const orphan = await putBlob(driver, randomBytes(10));
    await deleteManifest(driver, 'team/a', a.manifest, ['v1']);
    const lines: string[] = [];
    const dry = await collectGarbage(driver, { dryRun: true, emit: (l) => lines.push(l) });
    const expected = [a.manifest, a.config, a.layers[1]!, orphan].sort();
    expect([...dry.eligible].sort()).toEqual(expected);
    expect(lines).toContain(`team/b: marking manifest ${b.manifest}`);
    expect(lines).toContain(`blob eligible for deletion: ${orphan}`);
    expect(lines.some((l) => /\d+ blobs marked, 4 blobs and 0 manifests eligible for deletion/.test(l))).toBe(true);
    for (const d of expected) expect(await blobExists(driver, d)).toBe(true);
    const real = await collectGarbage(driver);
    expect([...real.deleted].sort()).toEqual(expected);
    for (const d of expected) expect(await blobExists(driver, d)).toBe(false);
    for (const d of [b.manifest, b.config, ...b.layers]) expect(await blobExists(driver, d)).toBe(true);
    // the deleted image's unreferenced layer links are gone, the shared one stays linked in b
    await expect(driver.stat(paths.layerLink('team/a', a.layers[1]!))).rejects.toThrow();
    expect((await driver.getContent(paths.layerLink('team/b', shared.length ? b.layers[0]! : b.layers[0]!))).toString()).toBe(b.layers[0]);
    expect(real.layerLinksRemoved).toBe(2);
    // a second run finds nothing
    expect((await collectGarbage(driver)).eligible).toEqual([]);
  });

  it('--delete-untagged removes untagged manifests but keeps index children and referrers of kept manifests', async () => {
    const driver = make();
    const child = await putImage(driver, 'r', undefined);
    const idx = await putIndex(driver, 'r', 'multi', [child]);
    const tagged = await putImage(driver, 'r', 'latest');
    const sbom = await putImage(driver, 'r', undefined, { subject: { digest: tagged.manifest, size: tagged.bytes.length } });
    const old = await putImage(driver, 'r', undefined);
    const report = await collectGarbage(driver, { deleteUntagged: true });
    expect(report.manifests.map((m) => m.digest)).toEqual([old.manifest]);
    expect([...report.deleted].sort()).toEqual([old.manifest, old.config, ...old.layers].sort());
    await expect(driver.stat(paths.revisionLink('r', old.manifest))).rejects.toThrow();
    for (const d of [idx, child.manifest, ...child.layers, sbom.manifest, sbom.config, tagged.config]) expect(await blobExists(driver, d)).toBe(true);
    expect((await driver.getContent(paths.revisionLink('r', child.manifest))).toString()).toBe(child.manifest);
  });

  it('online: a digest touched through the guarded driver during the cycle is not deleted; a young blob is not deleted', async () => {
    const driver = make();
    let t = Date.now() + 3_600_000;
    const guard = new GcGuard(() => t);
    const served = new GuardedDriver(driver, guard);
    const used = await putBlob(driver, randomBytes(20));
    const garbage = await putBlob(driver, randomBytes(20));
    // a request checks `used` exists (as a manifest PUT does) while the collector runs
    await served.stat(paths.blobData(used));
    const r1 = await collectGarbage(driver, { guard, gracePeriodMs: 1000, now: () => t });
    expect(r1.deleted).toEqual([garbage]);
    expect(r1.protected).toEqual([used]);
    // an hour later nobody touched it: it goes
    t += 3_600_000;
    expect((await collectGarbage(driver, { guard, gracePeriodMs: 1000, now: () => t })).deleted).toEqual([used]);
    // a blob written just now is protected by the grace period
    const young = await putBlob(driver, randomBytes(20));
    t = Date.now();
    const r3 = await collectGarbage(driver, { guard, gracePeriodMs: 60_000, now: () => t });
    expect(r3.protected).toEqual([young]);
    expect(await blobExists(driver, young)).toBe(true);
  });
});

describe('gc guard', () => {
  it('the guarded driver keeps the local files and truncation of the inner driver (upload hashing, chunk roll-back)', async () => {
    const dir = tempDir();
    const served = new GuardedDriver(new FilesystemDriver(dir), new GcGuard());
    const up = '/docker/registry/v2/repositories/a/_uploads/u1/data';
    expect(served.localPath?.(up)).toBe(join(dir, up));
    await served.putContent(up, Buffer.from('0123456789'));
    await served.truncate?.(up, 4);
    expect((await served.getContent(up)).toString()).toBe('0123');
    expect(new GuardedDriver(new MemoryDriver(), new GcGuard()).localPath).toBeUndefined();
  });

  it('a request touching a digest being deleted waits for the deletion, then sees it gone', async () => {
    const driver = new FilesystemDriver(tempDir());
    const guard = new GcGuard();
    const served = new GuardedDriver(driver, guard);
    const d = await putBlob(driver, randomBytes(20));
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const deletion = guard.tryDelete(d, Date.now(), async () => { await gate; await driver.delete(paths.blobDir(d)); });
    const check = served.stat(paths.blobData(d)).then(() => 'exists', () => 'missing');
    release();
    expect(await deletion).toBe(true);
    expect(await check).toBe('missing');
    // and after that touch, a new deletion attempt is refused
    expect(await guard.tryDelete(d, Date.now() - 1000, async () => {})).toBe(false);
  });

  it('old files on disk with an old mtime are collected by online GC with a grace period', async () => {
    const root = tempDir();
    const driver = new FilesystemDriver(root);
    const d = await putBlob(driver, randomBytes(20));
    const old = new Date(Date.now() - 7200_000);
    utimesSync(join(root, paths.blobData(d)), old, old);
    const r = await collectGarbage(driver, { guard: new GcGuard(), gracePeriodMs: 3600_000 });
    expect(r.deleted).toEqual([d]);
  });
});

describe('online --delete-untagged', () => {
  it('an untagged manifest re-pushed (touched) during the cycle keeps its revision; an idle one goes', async () => {
    const driver = new MemoryDriver();
    let t = Date.now() + 7_200_000;
    const guard = new GcGuard(() => t);
    const served = new GuardedDriver(driver, guard);
    await putImage(driver, 'r', 'keep');
    const idle = await putImage(driver, 'r', undefined);
    const busy = await putImage(driver, 'r', undefined);
    // a client re-PUTs `busy` (the server rewrites its revision link through the guarded driver)
    await served.putContent(paths.revisionLink('r', busy.manifest), Buffer.from(busy.manifest));
    const r = await collectGarbage(driver, { guard, gracePeriodMs: 1000, deleteUntagged: true, now: () => t });
    expect(r.manifests.map((m) => m.digest)).toEqual([idle.manifest]);
    expect((await driver.getContent(paths.revisionLink('r', busy.manifest))).toString()).toBe(busy.manifest);
    await expect(driver.stat(paths.revisionLink('r', idle.manifest))).rejects.toThrow();
    // the kept manifest keeps its blobs, the removed one's go
    for (const d of [busy.manifest, busy.config, ...busy.layers]) expect(await blobExists(driver, d)).toBe(true);
    expect([...r.deleted].sort()).toEqual([idle.manifest, idle.config, ...idle.layers].sort());
  });
});
