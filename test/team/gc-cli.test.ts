import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { blobExists, deleteManifest, putBlob, putImage } from './gc-fixture.js';
import { tempDir } from '../helpers/temp.js';

afterEach(() => vi.restoreAllMocks());

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c) => { out += String(c); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((c) => { err += String(c); return true; });
  const code = await main(['node', 'dist', ...args]);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('dist gc', () => {
  it('prints distribution-style lines, --json a summary, and deletes only without --dry-run; a config file works as the argument', async () => {
    const dir = tempDir();
    const driver = new FilesystemDriver(dir);
    const img = await putImage(driver, 'team/app', 'v1');
    const keep = await putImage(driver, 'team/app', 'v2');
    const orphan = await putBlob(driver, randomBytes(32));
    await deleteManifest(driver, 'team/app', img.manifest, ['v1']);
    const dry = await run(['gc', '--dry-run', dir]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`team/app: marking manifest ${keep.manifest}`);
    expect(dry.out).toMatch(/3 blobs marked, 4 blobs and 0 manifests eligible for deletion/);
    expect(dry.out).toContain(`blob eligible for deletion: ${orphan}`);
    expect(await blobExists(driver, orphan)).toBe(true);
    writeFileSync(join(dir, 'registry.yml'), `version: 0.1\nstorage: { filesystem: { rootdirectory: ${dir} } }\n`);
    const json = await run(['--json', 'gc', join(dir, 'registry.yml')]);
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.out) as { dryRun: boolean; marked: number; deleted: string[]; layerLinksRemoved: number };
    expect(summary).toMatchObject({ dryRun: false, marked: 3, layerLinksRemoved: 2 });
    expect(summary.deleted.sort()).toEqual([img.manifest, img.config, ...img.layers, orphan].sort());
    expect(await blobExists(driver, orphan)).toBe(false);
    expect(await blobExists(driver, keep.config)).toBe(true);
  });

  it('a missing directory is a usage error (exit 2)', async () => {
    const r = await run(['gc', '/nonexistent/dir']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('dist: data directory /nonexistent/dir does not exist');
  });
});
