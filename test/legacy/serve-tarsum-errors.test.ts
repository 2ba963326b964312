import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/legacy/keys.js';
import { schema1ManifestHandlers } from '../../src/legacy/schema1-handlers.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import { errorCode, raw } from '../server/util.js';
import { testdata } from './testdata.js';

const GZ = gzipSync(testdata('tarsum', '46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457', 'layer.tar'));
const TARSUM = 'tarsum.v1+sha256:41cd5c911333ee394776e432fc5a27cc82dfea313e5feff965e31c0fddd9213d';

/** A filesystem whose upload data cannot be read back (a failing disk), while everything else works. */
class FailingReads extends FilesystemDriver {
  failing = false;
  override async reader(path: string, offset?: number): Promise<Readable> {
    if (this.failing && path.includes('/_uploads/')) {
      return new Readable({ read() { this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', errno: -5, syscall: 'read' })); } });
    }
    return super.reader(path, offset);
  }
}

describe('tarsum upload finish: whose fault a failure is', () => {
  let reg: TestRegistry;
  let driver: FailingReads;
  beforeAll(async () => {
    driver = new FailingReads(tempDir('dist-tarsum-errors-'));
    reg = await startRegistry({ driver, manifestHandlers: await schema1ManifestHandlers({ key: generateKey() }) });
  });
  afterAll(() => reg.close());

  async function started(name: string): Promise<string> {
    const loc = (await raw(reg.url, 'POST', `/v2/${name}/blobs/uploads/`)).header('location')!;
    const patch = await raw(reg.url, 'PATCH', loc, { body: GZ, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(patch.status).toBe(202);
    return patch.header('location')!;
  }
  const finish = (loc: string): Promise<Awaited<ReturnType<typeof raw>>> => raw(reg.url, 'PUT', `${loc}${loc.includes('?') ? '&' : '?'}digest=${encodeURIComponent(TARSUM)}`);

  it('an upload that does not exist is 404 BLOB_UPLOAD_UNKNOWN, not a bad archive', async () => {
    const r = await raw(reg.url, 'PUT', `/v2/legacy/gone/blobs/uploads/0b1b1f9e-0000-4000-8000-000000000000?digest=${encodeURIComponent(TARSUM)}`);
    expect(r.status, r.body.toString()).toBe(404);
    expect(errorCode(r)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('a disk that fails to read the upload is a server error (5xx), not 400 DIGEST_INVALID; the upload stays', async () => {
    const loc = await started('legacy/eio');
    driver.failing = true;
    try {
      const r = await finish(loc);
      expect(r.status, r.body.toString()).toBeGreaterThanOrEqual(500);
      expect(errorCode(r)).not.toBe('DIGEST_INVALID');
    } finally {
      driver.failing = false;
    }
    // the disk is back: the same finish succeeds
    expect((await finish(loc)).status).toBe(201);
  });
});
