import { describe, expect, it } from 'vitest';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { startRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import { checkInvariants } from './invariants.js';
import { OCI_MANIFEST, errorCode, getManifest, makeImage, pushBlob, pushImage, putManifest, raw } from './util.js';

/**
 * The filesystem driver, with the write of a tag's `current/link` slowed down: it widens the
 * window between a manifest PUT's revision link and its tag link, which a concurrent DELETE of
 * that manifest could fall into on a busy server.
 */
class SlowTagLinks extends FilesystemDriver {
  override async putContent(path: string, data: Uint8Array): Promise<void> {
    if (/\/_manifests\/tags\/[^/]+\/current\/link$/.test(path)) await new Promise((r) => setTimeout(r, 300));
    return super.putContent(path, data);
  }
}

/** The filesystem driver, with the removal of a tag failing once (an I/O error), like a crash between the two steps. */
class TagRemovalFails extends FilesystemDriver {
  failures = 0;
  override async delete(path: string): Promise<void> {
    if (this.failures > 0 && /\/_manifests\/tags\/[^/]+$/.test(path)) {
      this.failures--;
      throw Object.assign(new Error(`EIO: i/o error, rename '${path}'`), { code: 'EIO' });
    }
    return super.delete(path);
  }
}

describe('a manifest DELETE whose tag removal fails', () => {
  it('leaves manifest and tag as they were (it removed the manifest, kept a dangling tag and answered 202)', async () => {
    const dir = tempDir('dist-robust-del-');
    const driver = new TagRemovalFails(dir);
    const reg = await startRegistry({ dir, driver });
    try {
      const img = makeImage();
      expect((await pushImage(reg.url, 'del/repo', img, 'v1')).status).toBe(201);
      driver.failures = 1;
      const del = await raw(reg.url, 'DELETE', `/v2/del/repo/manifests/${img.digest}`);
      expect(del.status).toBe(500);
      expect(errorCode(del)).toBe('UNKNOWN');
      expect((await raw(reg.url, 'GET', '/v2/del/repo/tags/list')).json<{ tags: string[] }>().tags).toEqual(['v1']);
      expect((await getManifest(reg.url, 'del/repo', 'v1', OCI_MANIFEST)).status).toBe(200);
      expect((await getManifest(reg.url, 'del/repo', img.digest, OCI_MANIFEST)).status).toBe(200);
      expect(await checkInvariants(dir)).toEqual([]);
      // once the fault is gone, the retry removes both
      expect((await raw(reg.url, 'DELETE', `/v2/del/repo/manifests/${img.digest}`)).status).toBe(202);
      expect((await raw(reg.url, 'GET', '/v2/del/repo/tags/list')).json<{ tags: string[] }>().tags).toEqual([]);
      expect((await getManifest(reg.url, 'del/repo', img.digest, OCI_MANIFEST)).status).toBe(404);
      expect(await checkInvariants(dir)).toEqual([]);
    } finally {
      await reg.close();
    }
  });
});

describe('a manifest DELETE racing a PUT of the same manifest by tag', () => {
  it('never leaves a tag that is listed but points at a deleted manifest', async () => {
    const dir = tempDir('dist-robust-race-');
    const reg = await startRegistry({ dir, driver: new SlowTagLinks(dir) });
    try {
      const img = makeImage();
      for (const b of [img.config, ...img.layers]) await pushBlob(reg.url, 'race/repo', b);
      const put = putManifest(reg.url, 'race/repo', 'v1', img.manifest);
      // the DELETE arrives while the PUT has written the revision and is writing the tag
      let seen = false;
      for (let i = 0; i < 100 && !seen; i++) {
        seen = (await getManifest(reg.url, 'race/repo', img.digest, OCI_MANIFEST, 'HEAD')).status === 200;
        if (!seen) await new Promise((r) => setTimeout(r, 5));
      }
      expect(seen).toBe(true);
      const del = await raw(reg.url, 'DELETE', `/v2/race/repo/manifests/${img.digest}`);
      expect(del.status).toBe(202);
      expect((await put).status).toBe(201);
      // whichever order they end up in, the listing and the manifest agree
      const tags = (await raw(reg.url, 'GET', '/v2/race/repo/tags/list')).json<{ tags: string[] }>().tags;
      const byTag = await getManifest(reg.url, 'race/repo', 'v1', OCI_MANIFEST);
      expect({ listed: tags.includes('v1'), served: byTag.status === 200 }).toEqual({ listed: false, served: false });
      expect(await checkInvariants(dir)).toEqual([]);
    } finally {
      await reg.close();
    }
  });
});
