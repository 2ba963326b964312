import { execFileSync } from 'node:child_process';
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

/** Like `serve` with a limit, but one that `makeRoom` can lift while the server runs (soft limit only). */
function serveLiftable(dir: string, limit: number): Promise<Served> {
  const [cmd] = fileSizeLimit(limit);
  return spawnServe([dir, '--addr', '127.0.0.1:0', '--log-level', 'error'], {}, [cmd!, `--fsize=${limit}:unlimited`]);
}

/** The operator frees space: the running server's file-size limit is lifted (prlimit execs, so the pid is node's). */
function makeRoom(s: Served): void {
  execFileSync('prlimit', ['--pid', String(s.proc.pid), '--fsize=unlimited']);
}

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

  it('a finish whose repository link fails: 507, and the retried PUT links the blob once there is room (it was a 500 forever)', async () => {
    const dir = tempDir('dist-robust-full-');
    // 40 bytes: the upload's data (30 bytes) fits, no 71-byte link does
    served = await serveLiftable(dir, 40);
    const data = randomBytes(30);
    const loc = (await raw(served.url, 'POST', '/v2/full/link/blobs/uploads/')).header('location')!;
    expect((await raw(served.url, 'PATCH', loc, { body: data })).status).toBe(202);
    expectFull(await raw(served.url, 'PUT', `${loc}?digest=${sha(data)}`));
    expectFull(await raw(served.url, 'PUT', `${loc}?digest=${sha(data)}`));
    expect((await raw(served.url, 'HEAD', `/v2/full/link/blobs/${sha(data)}`)).status).toBe(404);
    makeRoom(served);
    const wrong = await raw(served.url, 'PUT', `${loc}?digest=${sha('other')}`);
    expect(wrong.status).toBe(400);
    expect(errorCode(wrong)).toBe('DIGEST_INVALID');
    expect((await raw(served.url, 'PUT', `${loc}?digest=${sha(data)}`)).status).toBe(201);
    expect((await raw(served.url, 'GET', `/v2/full/link/blobs/${sha(data)}`)).body.equals(data)).toBe(true);
    expect((await raw(served.url, 'GET', loc)).status).toBe(404);
    expect(await checkInvariants(dir)).toEqual([]);
  });

  it('the same after a restart: the retried PUT is a 400 for an empty upload (not a 500), and re-sending the bytes finishes it', async () => {
    const dir = tempDir('dist-robust-full-');
    served = await serve(dir, 40);
    const data = randomBytes(30);
    const loc = (await raw(served.url, 'POST', '/v2/full/restart/blobs/uploads/')).header('location')!;
    expect((await raw(served.url, 'PATCH', loc, { body: data })).status).toBe(202);
    expectFull(await raw(served.url, 'PUT', `${loc}?digest=${sha(data)}`));
    await stopServe(served);
    served = await serve(dir);
    const retry = await raw(served.url, 'PUT', `${loc}?digest=${sha(data)}`);
    expect(retry.status, retry.body.toString()).toBe(400);
    expect(errorCode(retry)).toBe('DIGEST_INVALID');
    const st = await raw(served.url, 'GET', loc);
    expect(st.status).toBe(204);
    expect(st.header('range')).toBe('0-0');
    expect((await raw(served.url, 'PATCH', loc, { body: data, headers: { 'Content-Range': `0-${data.length - 1}` } })).status).toBe(202);
    expect((await raw(served.url, 'PUT', `${loc}?digest=${sha(data)}`)).status).toBe(201);
    expect((await raw(served.url, 'GET', `/v2/full/restart/blobs/${sha(data)}`)).body.equals(data)).toBe(true);
    expect(await checkInvariants(dir)).toEqual([]);
  });
});
