import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { fileSizeLimit } from '../helpers/file-size-limit.js';
import { tempDir } from '../helpers/temp.js';
import { checkInvariants } from './invariants.js';
import { type Served, spawnServe, stopServe } from './spawn.js';
import { OCI_MANIFEST, type RawResponse, errorCode, makeImage, pushBlob, pushImage, putManifest, raw, sha } from './util.js';

/**
 * A full disk hit AFTER the request body was read to its end (a manifest, a tag link, the commit of
 * an upload's last bytes) was answered with a connection reset: the error handler took the request's
 * `destroyed` flag (set by autoDestroy once a body ends) for a client that went away. The spec's
 * envelope with 507 is what the client must get, and nothing half-written may become visible.
 */
let served: Served | undefined;
afterEach(() => stopServe(served));

const serve = (dir: string, limit?: number): Promise<Served> =>
  spawnServe([dir, '--addr', '127.0.0.1:0', '--log-level', 'error'], {}, limit === undefined ? [] : fileSizeLimit(limit));

function expectFull(r: RawResponse): void {
  expect(r.status, r.body.toString()).toBe(507);
  expect(errorCode(r)).toBe('UNKNOWN');
  expect(r.body.toString()).toContain('storage is full');
}

describe('full disk after the body was read: 507, not a reset', () => {
  it('a manifest larger than what fits: 507; no tag, no revision, nothing in the listings', async () => {
    const dir = tempDir('dist-robust-full-');
    served = await serve(dir, 64 * 1024);
    const img = makeImage({ extra: { annotations: { pad: 'x'.repeat(100_000) } } });
    for (const b of [img.config, ...img.layers]) await pushBlob(served.url, 'full/m', b);
    expectFull(await putManifest(served.url, 'full/m', 'v1', img.manifest));
    expectFull(await putManifest(served.url, 'full/m', img.digest, img.manifest));
    expect((await raw(served.url, 'HEAD', `/v2/full/m/manifests/v1`)).status).toBe(404);
    expect((await raw(served.url, 'HEAD', `/v2/full/m/manifests/${img.digest}`)).status).toBe(404);
    expect((await raw(served.url, 'GET', '/v2/full/m/tags/list')).json<{ tags: string[] }>().tags).toEqual([]);
    expect(await checkInvariants(dir)).toEqual([]);
    expect(served.proc.exitCode).toBeNull();
  });

  it('a single-POST upload and a chunk that cross the limit: 507; the chunked upload keeps what was written', async () => {
    const dir = tempDir('dist-robust-full-');
    served = await serve(dir, 64 * 1024);
    const data = randomBytes(200_000);
    expectFull(await raw(served.url, 'POST', `/v2/full/b/blobs/uploads/?digest=${sha(data)}`, { body: data }));
    expect((await raw(served.url, 'HEAD', `/v2/full/b/blobs/${sha(data)}`)).status).toBe(404);
    const loc = (await raw(served.url, 'POST', '/v2/full/b/blobs/uploads/')).header('location')!;
    expect((await raw(served.url, 'PATCH', loc, { body: data.subarray(0, 50_000), headers: { 'Content-Range': '0-49999' } })).status).toBe(202);
    expectFull(await raw(served.url, 'PATCH', loc, { body: data.subarray(50_000, 100_000), headers: { 'Content-Range': '50000-99999' } }));
    const st = await raw(served.url, 'GET', loc);
    expect(st.status).toBe(204);
    expect(st.header('range')).toBe(`0-${64 * 1024 - 1}`);
    expect(await checkInvariants(dir)).toEqual([]);
    expect((await raw(served.url, 'GET', '/v2/')).status).toBe(200);
  });

  it('a tag whose link cannot be written: 507 and the tag does not appear', async () => {
    const dir = tempDir('dist-robust-full-');
    served = await serve(dir);
    const img = makeImage();
    expect((await pushImage(served.url, 'full/t', img, 'v1')).status).toBe(201);
    await stopServe(served);
    // links are 71 bytes: with a 40-byte limit no link can be written, the manifest itself is already stored
    served = await serve(dir, 40);
    expectFull(await putManifest(served.url, 'full/t', 'v2', img.manifest));
    expectFull(await raw(served.url, 'PUT', `/v2/full/t/manifests/${img.digest}?tag=v3`, { body: img.manifest, headers: { 'Content-Type': OCI_MANIFEST } }));
    expect((await raw(served.url, 'GET', '/v2/full/t/tags/list')).json<{ tags: string[] }>().tags).toEqual(['v1']);
    expect(await checkInvariants(dir)).toEqual([]);
    expect(served.proc.exitCode).toBeNull();
  });
});
