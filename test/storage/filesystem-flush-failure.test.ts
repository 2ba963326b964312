import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLUSH_BEHIND_BYTES, FilesystemDriver, syncFileData } from '../../src/storage/driver/filesystem.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import { checkInvariants } from '../server/invariants.js';
import { errorCode, raw, sha } from '../server/util.js';

/**
 * A flush that fails as Linux's does. When the kernel cannot write a file's dirty pages back (EIO,
 * or ENOSPC on thin-provisioned or network storage), it marks them clean and reports the error to
 * the next fdatasync, once; a later fdatasync on a new descriptor returns 0 although those pages
 * never reached the disk (errseq_t, Linux >= 4.13; PostgreSQL's "fsyncgate": a failed fsync
 * cannot be retried). This sync fails the first time `arm` asked for, then succeeds, so a
 * retried flush "succeeds" as it would on Linux, while the bytes of the failed one are lost.
 */
function failingOnce(root: string): { driver: FilesystemDriver; arm(match: (file: string) => boolean): void; failures: string[] } {
  let armed: ((file: string) => boolean) | undefined;
  const failures: string[] = [];
  const driver = new FilesystemDriver(root, {
    sync: async (file) => {
      if (armed?.(file)) {
        armed = undefined;
        failures.push(file);
        throw Object.assign(new Error(`EIO: i/o error, fdatasync '${file}'`), { code: 'EIO', errno: -5, syscall: 'fdatasync' });
      }
      await syncFileData(file);
    },
  });
  return { driver, arm: (m) => (armed = m), failures };
}

const isUploadData = (f: string): boolean => f.includes('/_uploads/') && f.endsWith('/data');

async function newUpload(reg: TestRegistry, name: string): Promise<string> {
  const r = await raw(reg.url, 'POST', `/v2/${name}/blobs/uploads/`);
  expect(r.status).toBe(202);
  return r.header('location')!;
}

const withDigest = (loc: string, digest: string): string => `${loc}${loc.includes('?') ? '&' : '?'}digest=${digest}`;

describe('dist serve: bytes whose flush failed never become a blob', () => {
  it('the final flush of an upload fails: 500, and the retried PUT does not publish the unflushed bytes (the client re-sends them)', async () => {
    const root = tempDir('dist-flushfail-');
    const { driver, arm, failures } = failingOnce(root);
    const reg = await startRegistry({ driver, dir: root });
    try {
      const data = randomBytes(5000);
      const loc = await newUpload(reg, 'ff/move');
      expect((await raw(reg.url, 'PATCH', loc, { body: data })).status).toBe(202);
      arm(isUploadData);
      const put = await raw(reg.url, 'PUT', withDigest(loc, sha(data)));
      expect(put.status).toBe(500);
      expect(errorCode(put)).toBe('UNKNOWN');
      expect(failures).toHaveLength(1);
      expect((await raw(reg.url, 'HEAD', `/v2/ff/move/blobs/${sha(data)}`)).status).toBe(404);

      // Retried as it is, the flush before the move now "succeeds" without writing the lost pages:
      // the blob would be visible with data that is not on disk. The upload is still there, empty.
      const retry = await raw(reg.url, 'PUT', withDigest(loc, sha(data)));
      expect(retry.status, retry.body.toString()).toBe(400);
      expect(errorCode(retry)).toBe('DIGEST_INVALID');
      expect((await raw(reg.url, 'HEAD', `/v2/ff/move/blobs/${sha(data)}`)).status).toBe(404);
      const st = await raw(reg.url, 'GET', loc);
      expect(st.status).toBe(204);
      expect(st.header('range')).toBe('0-0');

      // re-sent, the bytes are written again, flushed, and the blob appears
      expect((await raw(reg.url, 'PATCH', loc, { body: data, headers: { 'Content-Range': `0-${data.length - 1}` } })).status).toBe(202);
      expect((await raw(reg.url, 'PUT', withDigest(loc, sha(data)))).status).toBe(201);
      expect((await raw(reg.url, 'GET', `/v2/ff/move/blobs/${sha(data)}`)).body.equals(data)).toBe(true);
      expect(await checkInvariants(root)).toEqual([]);
    } finally {
      await reg.close();
    }
  });

  it('a flush behind the writes fails: 500, and the status does not count the unflushed bytes (a client resumes before them)', async () => {
    const root = tempDir('dist-flushfail-');
    const { driver, arm, failures } = failingOnce(root);
    const reg = await startRegistry({ driver, dir: root });
    try {
      const head = randomBytes(1000); // an earlier PATCH: never flushed, so just as unsure as the rest
      const data = Buffer.concat([head, randomBytes(FLUSH_BEHIND_BYTES + 4 * 1024 * 1024)]);
      const loc = await newUpload(reg, 'ff/behind');
      expect((await raw(reg.url, 'PATCH', loc, { body: head, headers: { 'Content-Range': `0-${head.length - 1}` } })).status).toBe(202);
      arm(isUploadData);
      const patch = await raw(reg.url, 'PATCH', loc, { body: data.subarray(head.length) });
      expect(patch.status).toBe(500);
      expect(errorCode(patch)).toBe('UNKNOWN');
      expect(failures).toHaveLength(1);

      // A client resumes from the status. Counting the bytes of the failed flush, it would send only
      // the rest, and the finish's flush would "succeed" without writing them.
      const st = await raw(reg.url, 'GET', loc);
      expect(st.status).toBe(204);
      expect(st.header('range')).toBe('0-0');

      expect((await raw(reg.url, 'PATCH', loc, { body: data, headers: { 'Content-Range': `0-${data.length - 1}` } })).status).toBe(202);
      expect((await raw(reg.url, 'PUT', withDigest(loc, sha(data)))).status).toBe(201);
      const got = await raw(reg.url, 'GET', `/v2/ff/behind/blobs/${sha(data)}`);
      expect(got.body.equals(data)).toBe(true);
    } finally {
      await reg.close();
    }
  });
});

describe('filesystem driver: a flush that never reached the data discards nothing', () => {
  it('move: the file could not be opened for the flush (EMFILE under load): the source keeps its bytes and a retry moves them', async () => {
    const root = tempDir('dist-flushfail-');
    let fail = true;
    const driver = new FilesystemDriver(root, {
      sync: async (file) => {
        if (fail) throw Object.assign(new Error(`EMFILE: too many open files, open '${file}'`), { code: 'EMFILE', errno: -24, syscall: 'open' });
        await syncFileData(file);
      },
    });
    writeFileSync(join(root, 'src'), 'upload bytes');
    await expect(driver.move('/src', '/dst/data')).rejects.toMatchObject({ code: 'EMFILE' });
    expect(readFileSync(join(root, 'src'), 'utf8')).toBe('upload bytes');
    fail = false;
    await driver.move('/src', '/dst/data');
    expect(readFileSync(join(root, 'dst', 'data'), 'utf8')).toBe('upload bytes');
    expect(existsSync(join(root, 'src'))).toBe(false);
  });
});
