import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { buildOnce, dist } from '../cli/helpers.js';
import { envFor } from '../cli/one-layer.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { fileSizeLimit } from '../helpers/file-size-limit.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { tempDir } from '../helpers/temp.js';
import { type Served, spawnServe, stopServe } from './spawn.js';
import { errorCode, makeImage, pushBlob, pushImage, raw, sha } from './util.js';

const LIMIT = 1024 * 1024;
let served: Served | undefined;
afterEach(() => stopServe(served));

describe('a full disk (writes fail past 1 MiB per file)', () => {
  it('answers 507 with an error envelope, shows no blob, keeps the upload, and keeps serving', async () => {
    const dir = tempDir('dist-full-');
    served = await spawnServe([dir, '--addr', '127.0.0.1:0', '--log-level', 'error'], {}, fileSizeLimit(LIMIT));
    const data = randomBytes(3 * LIMIT);
    const loc = new URL((await raw(served.url, 'POST', '/v2/full/up/blobs/uploads/')).header('location')!, served.url);
    loc.searchParams.set('digest', sha(data));
    const put = await raw(served.url, 'PUT', loc.pathname + loc.search, { body: data, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(put.status).toBe(507);
    expect(errorCode(put)).toBe('UNKNOWN');
    expect(put.body.toString()).toContain('storage is full');
    expect((await raw(served.url, 'HEAD', `/v2/full/up/blobs/${sha(data)}`)).status).toBe(404);
    expect(await readdir(join(dir, 'docker/registry/v2/blobs')).catch(() => [])).toEqual([]);
    // what arrived before the disk filled is kept: the upload can continue once there is room
    const st = await raw(served.url, 'GET', loc.pathname);
    expect(st.status).toBe(204);
    expect(st.header('range')).toBe(`0-${LIMIT - 1}`);
    // the server is alive and takes what fits
    await pushBlob(served.url, 'full/up', randomBytes(100_000));
    const img = makeImage({ layers: 1, size: 2000 });
    for (const b of [img.config, ...img.layers]) await pushBlob(served.url, 'full/up', b);
    expect((await pushImage(served.url, 'full/up', img, 'v1')).status).toBe(201);
    expect(served.proc.exitCode).toBeNull();
  });
});

describe('dist push to a registry whose disk is full', () => {
  it.each([
    ['streamed', [] as string[]],
    ['chunked', ['--chunk-size', '256k']],
  ])('%s: exits 1 with the registry’s message after one attempt (507 is not retried)', async (_name, flags) => {
    buildOnce();
    const dir = tempDir('dist-full-');
    served = await spawnServe([dir, '--addr', '127.0.0.1:0', '--log-level', 'error'], {}, fileSizeLimit(LIMIT));
    const proxy = await startFaultProxy(new URL(served.url).host);
    const work = tempDir('dist-full-src-');
    const img = await randomImage({ layers: 1, size: 3 * LIMIT });
    const layout = join(work, 'layout');
    await storeImage(await OciLayout.open(layout), img.blobs, 'v1');
    const r = await dist(['--plain-http', '-q', 'push', ...flags, `${layout}:v1`, `${proxy.host}/full/push:v1`], { env: envFor(work, 'p') });
    await proxy.close();
    expect(r.code, r.stderr + JSON.stringify(proxy.log)).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("the registry's storage is full");
    const failed = proxy.log.filter((q) => q.status === 507);
    expect(failed).toHaveLength(1);
    expect(proxy.log.filter((q) => q.method === 'POST')).toHaveLength(2); // config and layer, no retried session
  });
});
