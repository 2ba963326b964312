import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { errorCode, pushBlob, raw, sha } from './util.js';

const reg = shared(startRegistry);
const data = randomBytes(10_000);
let digest: string;
beforeAll(async () => {
  digest = await pushBlob(reg.url, 'blobs/repo', data);
});

describe('blobs GET/HEAD', () => {
  it('GET serves the exact bytes with digest, length, ETag and octet-stream', async () => {
    const r = await raw(reg.url, 'GET', `/v2/blobs/repo/blobs/${digest}`);
    expect(r.status).toBe(200);
    expect(r.body.equals(data)).toBe(true);
    expect(r.header('docker-content-digest')).toBe(digest);
    expect(r.header('content-length')).toBe('10000');
    expect(r.header('content-type')).toBe('application/octet-stream');
    expect(r.header('etag')).toBe(`"${digest}"`);
  });

  it('HEAD gives the headers and no body', async () => {
    const r = await raw(reg.url, 'HEAD', `/v2/blobs/repo/blobs/${digest}`);
    expect(r.status).toBe(200);
    expect(r.header('content-length')).toBe('10000');
    expect(r.body.length).toBe(0);
  });

  it.each([
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, 9999],
    ['bytes=-10', 9990, 9999],
    ['bytes=9999-20000', 9999, 9999],
    ['bytes=5-5, 10-20', 5, 5],
  ])('Range %s → 206 with Content-Range', async (range, start, end) => {
    const r = await raw(reg.url, 'GET', `/v2/blobs/repo/blobs/${digest}`, { headers: { Range: range } });
    expect(r.status).toBe(206);
    expect(r.header('content-range')).toBe(`bytes ${start}-${end}/10000`);
    expect(r.body.equals(data.subarray(start, end + 1))).toBe(true);
  });

  it.each(['bytes=10000-', 'bytes=20000-30000', 'bytes=-0', 'bytes=9-3', 'bytes=x-y'])('Range %s → 416 RANGE_INVALID', async (range) => {
    const r = await raw(reg.url, 'GET', `/v2/blobs/repo/blobs/${digest}`, { headers: { Range: range } });
    expect(r.status).toBe(416);
    expect(r.header('content-range')).toBe('bytes */10000');
    expect(errorCode(r)).toBe('RANGE_INVALID');
  });

  it('a non-bytes Range unit is ignored (200)', async () => {
    const r = await raw(reg.url, 'GET', `/v2/blobs/repo/blobs/${digest}`, { headers: { Range: 'items=0-1' } });
    expect(r.status).toBe(200);
  });

  it('If-None-Match with the digest → 304', async () => {
    for (const v of [`"${digest}"`, digest, '*']) {
      const r = await raw(reg.url, 'GET', `/v2/blobs/repo/blobs/${digest}`, { headers: { 'If-None-Match': v } });
      expect(r.status).toBe(304);
      expect(r.body.length).toBe(0);
    }
    const miss = await raw(reg.url, 'GET', `/v2/blobs/repo/blobs/${digest}`, { headers: { 'If-None-Match': '"sha256:00"' } });
    expect(miss.status).toBe(200);
  });

  it('unknown blob → 404 BLOB_UNKNOWN; not linked in another repo → 404', async () => {
    const r = await raw(reg.url, 'GET', `/v2/blobs/repo/blobs/${sha('nope')}`);
    expect(r.status).toBe(404);
    expect(errorCode(r)).toBe('BLOB_UNKNOWN');
    const other = await raw(reg.url, 'GET', `/v2/other/repo/blobs/${digest}`);
    expect(other.status).toBe(404);
    const head = await raw(reg.url, 'HEAD', `/v2/other/repo/blobs/${digest}`);
    expect(head.status).toBe(404);
    expect(head.body.length).toBe(0);
  });

  it('an invalid digest → 400 DIGEST_INVALID', async () => {
    const r = await raw(reg.url, 'GET', '/v2/blobs/repo/blobs/sha256:abc');
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('DIGEST_INVALID');
  });

  it('a zero-length blob is served', async () => {
    const d = await pushBlob(reg.url, 'blobs/repo', Buffer.alloc(0));
    const r = await raw(reg.url, 'GET', `/v2/blobs/repo/blobs/${d}`);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    const rr = await raw(reg.url, 'GET', `/v2/blobs/repo/blobs/${d}`, { headers: { Range: 'bytes=0-' } });
    expect(rr.status).toBe(416);
  });
});

describe('blob DELETE', () => {
  it('unlinks from the repository (202), then 404; other repos keep it', async () => {
    const d = await pushBlob(reg.url, 'del/a', Buffer.from('to delete'));
    await pushBlob(reg.url, 'del/b', Buffer.from('to delete'));
    const r = await raw(reg.url, 'DELETE', `/v2/del/a/blobs/${d}`);
    expect(r.status).toBe(202);
    expect((await raw(reg.url, 'GET', `/v2/del/a/blobs/${d}`)).status).toBe(404);
    expect((await raw(reg.url, 'GET', `/v2/del/b/blobs/${d}`)).status).toBe(200);
    const again = await raw(reg.url, 'DELETE', `/v2/del/a/blobs/${d}`);
    expect(again.status).toBe(404);
    expect(errorCode(again)).toBe('BLOB_UNKNOWN');
  });

  it('with deletion disabled → 405 UNSUPPORTED', async () => {
    const r2 = await startRegistry({ deleteEnabled: false });
    try {
      const d = await pushBlob(r2.url, 'x/y', Buffer.from('keep'));
      const r = await raw(r2.url, 'DELETE', `/v2/x/y/blobs/${d}`);
      expect(r.status).toBe(405);
      expect(errorCode(r)).toBe('UNSUPPORTED');
      expect((await raw(r2.url, 'GET', `/v2/x/y/blobs/${d}`)).status).toBe(200);
    } finally {
      await r2.close();
    }
  });
});
