import { describe, expect, it } from 'vitest';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { startRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import { checkInvariants } from './invariants.js';
import { OCI_MANIFEST, getManifest, makeImage, pushBlob, putManifest, raw } from './util.js';

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
