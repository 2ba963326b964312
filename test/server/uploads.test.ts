import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { errorCode, pushBlob, raw, sha } from './util.js';
import { tempDir } from '../helpers/temp.js';

const reg = shared(startRegistry);

async function start(name = 'up/repo', base = reg.url): Promise<string> {
  const r = await raw(base, 'POST', `/v2/${name}/blobs/uploads/`);
  expect(r.status).toBe(202);
  return r.header('location')!;
}
const withDigest = (loc: string, d: string): string => `${loc}${loc.includes('?') ? '&' : '?'}digest=${d}`;

describe('upload sessions', () => {
  it('POST answers 202 with Location, Range 0-0, Docker-Upload-UUID and Content-Length 0', async () => {
    const r = await raw(reg.url, 'POST', '/v2/up/repo/blobs/uploads/');
    expect(r.status).toBe(202);
    const id = r.header('docker-upload-uuid')!;
    expect(r.header('location')).toBe(`/v2/up/repo/blobs/uploads/${id}`);
    expect(r.header('range')).toBe('0-0');
    expect(r.header('content-length')).toBe('0');
  });

  it('stream-form PATCH appends; GET status reports 204 + Range; PUT without body finishes (201)', async () => {
    const a = randomBytes(3000);
    const b = randomBytes(2000);
    const loc = await start();
    const p1 = await raw(reg.url, 'PATCH', loc, { body: a });
    expect(p1.status).toBe(202);
    expect(p1.header('range')).toBe('0-2999');
    const p2 = await raw(reg.url, 'PATCH', p1.header('location')!, { body: b });
    expect(p2.header('range')).toBe('0-4999');
    const st = await raw(reg.url, 'GET', loc);
    expect(st.status).toBe(204);
    expect(st.header('range')).toBe('0-4999');
    const whole = Buffer.concat([a, b]);
    const put = await raw(reg.url, 'PUT', withDigest(loc, sha(whole)));
    expect(put.status).toBe(201);
    expect(put.header('location')).toBe(`/v2/up/repo/blobs/${sha(whole)}`);
    expect(put.header('docker-content-digest')).toBe(sha(whole));
    const got = await raw(reg.url, 'GET', `/v2/up/repo/blobs/${sha(whole)}`);
    expect(got.body.equals(whole)).toBe(true);
    expect((await raw(reg.url, 'GET', loc)).status).toBe(404);
  });

  it('chunk-form PATCH with Content-Range; out-of-order → 416 with the current Range', async () => {
    const data = randomBytes(4000);
    const loc = await start();
    const c1 = await raw(reg.url, 'PATCH', loc, { body: data.subarray(0, 1000), headers: { 'Content-Range': '0-999', 'Content-Type': 'application/octet-stream' } });
    expect(c1.status).toBe(202);
    expect(c1.header('range')).toBe('0-999');
    const skip = await raw(reg.url, 'PATCH', loc, { body: data.subarray(2000, 3000), headers: { 'Content-Range': '2000-2999' } });
    expect(skip.status).toBe(416);
    expect(errorCode(skip)).toBe('RANGE_INVALID');
    expect(skip.header('range')).toBe('0-999');
    const dup = await raw(reg.url, 'PATCH', loc, { body: data.subarray(0, 1000), headers: { 'Content-Range': '0-999' } });
    expect(dup.status).toBe(416);
    const c2 = await raw(reg.url, 'PATCH', loc, { body: data.subarray(1000, 3000), headers: { 'Content-Range': '1000-2999' } });
    expect(c2.header('range')).toBe('0-2999');
    const put = await raw(reg.url, 'PUT', withDigest(loc, sha(data)), { body: data.subarray(3000), headers: { 'Content-Range': '3000-3999' } });
    expect(put.status).toBe(201);
    expect((await raw(reg.url, 'GET', `/v2/up/repo/blobs/${sha(data)}`)).body.equals(data)).toBe(true);
  });

  it('chunk Content-Length disagreeing with Content-Range → 400 SIZE_INVALID', async () => {
    const loc = await start();
    const r = await raw(reg.url, 'PATCH', loc, { body: randomBytes(10), headers: { 'Content-Range': '0-19' } });
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('SIZE_INVALID');
  });

  it('monolithic POST then PUT with the whole body', async () => {
    const data = randomBytes(5000);
    const loc = await start();
    const put = await raw(reg.url, 'PUT', withDigest(loc, sha(data)), { body: data });
    expect(put.status).toBe(201);
  });

  it('single-POST monolithic upload with ?digest= → 201, nothing left in _uploads', async () => {
    const data = randomBytes(2048);
    const r = await raw(reg.url, 'POST', `/v2/single/post/blobs/uploads/?digest=${sha(data)}`, { body: data, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(r.status).toBe(201);
    expect(r.header('location')).toBe(`/v2/single/post/blobs/${sha(data)}`);
    expect((await raw(reg.url, 'GET', `/v2/single/post/blobs/${sha(data)}`)).body.equals(data)).toBe(true);
    const uploads = await readdir(join(reg.dir, 'docker/registry/v2/repositories/single/post/_uploads')).catch(() => []);
    expect(uploads).toEqual([]);
    const bad = await raw(reg.url, 'POST', `/v2/single/post/blobs/uploads/?digest=${sha('other')}`, { body: data });
    expect(bad.status).toBe(400);
    expect(errorCode(bad)).toBe('DIGEST_INVALID');
  });

  it('PUT with a wrong digest → 400 DIGEST_INVALID and the blob is not stored; a retry with the right digest works', async () => {
    const data = randomBytes(100);
    const loc = await start();
    await raw(reg.url, 'PATCH', loc, { body: data });
    const bad = await raw(reg.url, 'PUT', withDigest(loc, sha('wrong')));
    expect(bad.status).toBe(400);
    expect(errorCode(bad)).toBe('DIGEST_INVALID');
    expect((await raw(reg.url, 'HEAD', `/v2/up/repo/blobs/${sha('wrong')}`)).status).toBe(404);
    const good = await raw(reg.url, 'PUT', withDigest(loc, sha(data)));
    expect(good.status).toBe(201);
  });

  it('PUT without digest → 400 DIGEST_INVALID', async () => {
    const loc = await start();
    const r = await raw(reg.url, 'PUT', loc);
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('DIGEST_INVALID');
  });

  it('DELETE cancels (204); the upload is then unknown (404 BLOB_UPLOAD_UNKNOWN)', async () => {
    const loc = await start();
    expect((await raw(reg.url, 'DELETE', loc)).status).toBe(204);
    const r = await raw(reg.url, 'PATCH', loc, { body: 'x' });
    expect(r.status).toBe(404);
    expect(errorCode(r)).toBe('BLOB_UPLOAD_UNKNOWN');
    expect((await raw(reg.url, 'DELETE', loc)).status).toBe(404);
  });

  it('an upload belongs to its repository', async () => {
    const loc = await start('up/one');
    const id = loc.split('/').pop()!;
    const r = await raw(reg.url, 'GET', `/v2/up/two/blobs/uploads/${id}`);
    expect(r.status).toBe(404);
  });
});

describe('mount', () => {
  it('mount with from → 201 and the blob is visible in the target repo', async () => {
    const d = await pushBlob(reg.url, 'mount/src', Buffer.from('mountable'));
    const r = await raw(reg.url, 'POST', `/v2/mount/dst/blobs/uploads/?mount=${d}&from=mount/src`);
    expect(r.status).toBe(201);
    expect(r.header('location')).toBe(`/v2/mount/dst/blobs/${d}`);
    expect(r.header('docker-content-digest')).toBe(d);
    expect((await raw(reg.url, 'GET', `/v2/mount/dst/blobs/${d}`)).body.toString()).toBe('mountable');
  });

  it('mount from a repo that lacks the blob → 202 upload session', async () => {
    const d = await pushBlob(reg.url, 'mount/src2', Buffer.from('elsewhere'));
    const r = await raw(reg.url, 'POST', `/v2/mount/dst2/blobs/uploads/?mount=${d}&from=mount/empty`);
    expect(r.status).toBe(202);
    expect(r.header('docker-upload-uuid')).toBeTruthy();
  });

  it('mount without from → 201 when the blob is known to the registry, else 202', async () => {
    const d = await pushBlob(reg.url, 'mount/src3', Buffer.from('anywhere'));
    const r = await raw(reg.url, 'POST', `/v2/mount/dst3/blobs/uploads/?mount=${d}`);
    expect(r.status).toBe(201);
    const u = await raw(reg.url, 'POST', `/v2/mount/dst3/blobs/uploads/?mount=${sha('unknown')}`);
    expect(u.status).toBe(202);
  });
});

describe('_state with http.secret', () => {
  it('Locations carry an HMAC _state that is checked when sent back, but is not required', async () => {
    const r2 = await startRegistry({ secret: 's3cret' });
    try {
      const loc = await start('st/repo', r2.url);
      expect(loc).toMatch(/\?_state=/);
      const p = await raw(r2.url, 'PATCH', loc, { body: 'abc' });
      expect(p.status).toBe(202);
      // change the first character of _state (to another one: a random HMAC may start with 'A')
      const tampered = loc.replace(/_state=(.)/, (_m, c: string) => `_state=${c === 'A' ? 'B' : 'A'}`);
      expect((await raw(r2.url, 'GET', tampered)).status).toBe(400);
      const bare = loc.split('?')[0]!;
      const st = await raw(r2.url, 'GET', bare);
      expect(st.status).toBe(204);
      expect(st.header('range')).toBe('0-2');
    } finally {
      await r2.close();
    }
  });
});

describe('restart', () => {
  it('an upload survives a restart: status, continue, finish (re-hashed once)', async () => {
    const dir = tempDir('dist-restart-');
    const data = randomBytes(50_000);
    const a = await startRegistry({ dir });
    const loc = await start('re/start', a.url);
    await raw(a.url, 'PATCH', loc, { body: data.subarray(0, 20_000) });
    await a.close();
    const b = await startRegistry({ dir });
    const st = await raw(b.url, 'GET', loc);
    expect(st.status).toBe(204);
    expect(st.header('range')).toBe('0-19999');
    const p = await raw(b.url, 'PATCH', loc, { body: data.subarray(20_000), headers: { 'Content-Range': '20000-49999' } });
    expect(p.status).toBe(202);
    const put = await raw(b.url, 'PUT', withDigest(loc, sha(data)));
    expect(put.status).toBe(201);
    expect((await raw(b.url, 'GET', `/v2/re/start/blobs/${sha(data)}`)).body.equals(data)).toBe(true);
    await b.close();
  });
});
