import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { startRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import { errorCode, pushBlob, raw } from './util.js';

/**
 * The filesystem driver where garbage collection strikes between a blob GET's stat and its read:
 * when armed, the blob's data file is removed right before it is opened.
 */
class CollectedBeforeRead extends FilesystemDriver {
  armed = false;
  override async reader(path: string, offset?: number): Promise<Readable> {
    if (this.armed && path.startsWith('/docker/registry/v2/blobs/')) await rm(join(this.root, path), { force: true });
    return super.reader(path, offset);
  }
}

describe('a blob whose data goes away between the stat and the read', () => {
  it.each([
    ['whole', undefined],
    ['a range', 'bytes=10-19'],
  ])('GET of %s: 404 BLOB_UNKNOWN without the blob’s ETag, Content-Range or a year of Cache-Control', async (_label, range) => {
    const dir = tempDir('dist-robust-gc-');
    const driver = new CollectedBeforeRead(dir);
    const reg = await startRegistry({ dir, driver });
    try {
      const data = randomBytes(1000);
      const digest = await pushBlob(reg.url, 'gone/repo', data);
      driver.armed = true;
      const r = await raw(reg.url, 'GET', `/v2/gone/repo/blobs/${digest}`, { headers: range ? { Range: range } : {} });
      expect(r.status).toBe(404);
      expect(errorCode(r)).toBe('BLOB_UNKNOWN');
      expect(r.header('content-type')).toBe('application/json');
      expect(Number(r.header('content-length'))).toBe(r.body.length);
      for (const h of ['cache-control', 'etag', 'content-range', 'docker-content-digest', 'accept-ranges']) expect(r.header(h), h).toBeUndefined();
      expect((await raw(reg.url, 'GET', '/v2/')).status).toBe(200);
    } finally {
      await reg.close();
    }
  });
});
