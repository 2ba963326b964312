import { randomBytes } from 'node:crypto';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { collectGarbage } from '../../src/storage/gc.js';
import { paths } from '../../src/storage/paths.js';
import { buildOnce, dist } from '../cli/helpers.js';
import { tempDir } from '../helpers/temp.js';
import { blobExists, putBlob, putImage, putManifest } from '../team/gc-fixture.js';

// gc over data directories with corrupt or foreign entries: it must never sweep what a manifest still uses
const fsPath = (root: string, p: string): string => join(root, p);

describe('gc over stray and corrupt data (robustness)', () => {
  beforeAll(() => buildOnce(), 240_000);

  it('a manifest the strict parser refuses (written by docker-registry 2.8) keeps its config and layers', async () => {
    const root = tempDir();
    const driver = new FilesystemDriver(root);
    const layer = await putBlob(driver, randomBytes(64));
    const config = await putBlob(driver, Buffer.from('{"os":"linux"}'));
    await driver.putContent(paths.layerLink('foreign/app', layer), Buffer.from(layer));
    // distribution 2.8 stores any layer media type; dist's parser refuses this one (a space in it)
    const m = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 14 },
      layers: [{ mediaType: 'application/x custom', digest: layer, size: 64 }],
    }));
    const manifest = await putManifest(driver, 'foreign/app', 'v1', m);
    const orphan = await putBlob(driver, randomBytes(10));
    const lines: string[] = [];
    const r = await collectGarbage(driver, { emit: (l) => lines.push(l) });
    expect(r.deleted).toEqual([orphan]);
    for (const d of [manifest, config, layer]) expect(await blobExists(driver, d)).toBe(true);
    expect(lines.some((l) => l.startsWith(`warning: manifest ${manifest}`))).toBe(true);
  });

  it('a revision link with garbage content still marks its manifest (by its path)', async () => {
    const root = tempDir();
    const driver = new FilesystemDriver(root);
    const img = await putImage(driver, 'r', 'v1');
    writeFileSync(fsPath(root, paths.revisionLink('r', img.manifest)), 'garbage\n');
    const orphan = await putBlob(driver, randomBytes(10));
    const r = await collectGarbage(driver);
    expect(r.deleted).toEqual([orphan]);
    for (const d of [img.manifest, img.config, ...img.layers]) expect(await blobExists(driver, d)).toBe(true);
  });

  it('an unreadable manifest (symlink loop) stops gc before it deletes anything', async () => {
    const root = tempDir();
    const driver = new FilesystemDriver(root);
    const img = await putImage(driver, 'r', 'v1');
    const orphan = await putBlob(driver, randomBytes(10));
    const data = fsPath(root, paths.blobData(img.manifest));
    rmSync(data);
    symlinkSync(data, data);
    await expect(collectGarbage(driver)).rejects.toThrow(/cannot read manifest .*nothing was deleted/);
    for (const d of [img.config, ...img.layers, orphan]) expect(await blobExists(driver, d)).toBe(true);
    // the CLI: one line, non-zero, nothing deleted
    const res = await dist(['gc', root]);
    expect(res.code).not.toBe(0);
    const errLines = res.stderr.trim().split('\n');
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(/^dist: gc: cannot read manifest sha256:[0-9a-f]{64} of r \(.*\); nothing was deleted/);
    for (const d of [img.config, ...img.layers, orphan]) expect(await blobExists(driver, d)).toBe(true);
  }, 30_000);

  it('a manifest over 4 MiB stops gc instead of sweeping its layers', async () => {
    const root = tempDir();
    const driver = new FilesystemDriver(root);
    const layer = await putBlob(driver, randomBytes(64));
    const config = await putBlob(driver, Buffer.from('{}'));
    const m = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: 64 }],
      annotations: { pad: 'x'.repeat(4 * 1024 * 1024) },
    }));
    await putManifest(driver, 'big', 'v1', m);
    await expect(collectGarbage(driver)).rejects.toThrow(/nothing was deleted/);
    expect(await blobExists(driver, layer)).toBe(true);
    expect(await blobExists(driver, config)).toBe(true);
  });

  it('--delete-untagged with a corrupt tag link stops instead of deleting the tagged image', async () => {
    const root = tempDir();
    const driver = new FilesystemDriver(root);
    const img = await putImage(driver, 'r', 'latest');
    writeFileSync(fsPath(root, paths.tagCurrent('r', 'latest')), '\0\0garbage');
    await expect(collectGarbage(driver, { deleteUntagged: true })).rejects.toThrow(/tag latest of r has a corrupt current link/);
    for (const d of [img.manifest, img.config, ...img.layers]) expect(await blobExists(driver, d)).toBe(true);
    expect((await driver.getContent(paths.revisionLink('r', img.manifest))).toString()).toBe(img.manifest);
  });

  it('dist gc on a directory that is not a registry (a parent, the v2 dir itself) is a usage error, not "deleted 0"', async () => {
    const root = tempDir();
    const driver = new FilesystemDriver(root);
    const img = await putImage(driver, 'r', 'v1');
    const v2 = join(root, 'docker/registry/v2');
    const inV2 = await dist(['gc', v2]);
    expect(inV2.code).toBe(2);
    expect(inV2.stderr).toBe(`dist: ${v2} is not a registry data directory (no docker/registry/v2 in it): pass the directory that holds docker/registry/v2 (${root})\n`);
    const parent = await dist(['gc', join(root, 'docker')]);
    expect(parent.code).toBe(2);
    expect(parent.stderr).toMatch(/^dist: .* is not a registry data directory \(no docker\/registry\/v2 in it\): pass storage\.filesystem\.rootdirectory\n$/);
    // an empty directory (nothing pushed yet) and the real one still work
    expect((await dist(['gc', tempDir()])).code).toBe(0);
    expect((await dist(['gc', root])).code).toBe(0);
    for (const d of [img.manifest, img.config, ...img.layers]) expect(await blobExists(driver, d)).toBe(true);
  }, 60_000);
});
