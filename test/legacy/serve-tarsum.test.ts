import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import { generateKey } from '../../src/legacy/keys.js';
import { schema1ManifestHandlers } from '../../src/legacy/schema1-handlers.js';
import { signSchema1 } from '../../src/legacy/sign.js';
import { marshalSchema1 } from '../../src/legacy/to-schema1.js';
import { collectGarbage } from '../../src/storage/gc.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { errorCode, raw } from '../server/util.js';
import { testdata } from './testdata.js';

const L46 = '46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457';
const TAR = testdata('tarsum', L46, 'layer.tar');
const GZ = gzipSync(TAR);
const TARSUM = 'tarsum.v1+sha256:41cd5c911333ee394776e432fc5a27cc82dfea313e5feff965e31c0fddd9213d';

/** POST, PATCH the data, PUT ?digest=. */
async function upload(reg: TestRegistry, name: string, data: Buffer, digest: string): Promise<{ put: Awaited<ReturnType<typeof raw>>; location: URL }> {
  const start = await raw(reg.url, 'POST', `/v2/${name}/blobs/uploads/`);
  let loc = new URL(start.header('location')!, reg.url);
  const patch = await raw(reg.url, 'PATCH', loc.pathname + loc.search, { body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  expect(patch.status).toBe(202);
  loc = new URL(patch.header('location')!, reg.url);
  const fin = new URL(loc);
  fin.searchParams.set('digest', digest);
  return { put: await raw(reg.url, 'PUT', fin.pathname + fin.search), location: loc };
}

describe('dist serve: tarsum digests on upload completion (V2.0)', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ manifestHandlers: await schema1ManifestHandlers({ key: generateKey() }) });
  });
  afterAll(() => reg.close());

  it('verifies the tarsum, stores the blob under its sha256 and links both digests', async () => {
    const { put } = await upload(reg, 'legacy/ts', GZ, TARSUM);
    expect(put.status, put.body.toString()).toBe(201);
    expect(put.header('location')).toBe(`/v2/legacy/ts/blobs/${TARSUM}`);
    const sha = digestOf(GZ);
    const v2 = join(reg.dir, 'docker/registry/v2');
    expect(readFileSync(join(v2, 'blobs/sha256', sha.slice(7, 9), sha.slice(7), 'data')).equals(GZ)).toBe(true);
    expect(readFileSync(join(v2, 'repositories/legacy/ts/_layers/sha256', sha.slice(7), 'link'), 'utf8')).toBe(sha);
    expect(readFileSync(join(v2, 'repositories/legacy/ts/_layers/tarsum/v1/sha256', TARSUM.slice(-64), 'link'), 'utf8')).toBe(sha);
    const get = await raw(reg.url, 'GET', `/v2/legacy/ts/blobs/${TARSUM}`);
    expect(get.status).toBe(200);
    expect(get.body.equals(GZ)).toBe(true);
    expect(get.header('docker-content-digest')).toBe(sha);
    expect((await raw(reg.url, 'GET', `/v2/legacy/ts/blobs/${sha}`)).body.equals(GZ)).toBe(true);
  });

  it('accepts a 2018-era tarsum too, and refuses a wrong one or a non-tar with DIGEST_INVALID', async () => {
    const c0 = testdata('tarsum', 'collision-0.tar');
    const ok = await upload(reg, 'legacy/ts', c0, 'tarsum+sha256:7cabb5e9128bb4a93ff867b9464d7c66a644ae51ea2e90e6ef313f3bef93f077');
    expect(ok.put.status).toBe(201);
    const bad = await upload(reg, 'legacy/ts', TAR, TARSUM.replace('41cd', '41ce'));
    expect(bad.put.status).toBe(400);
    expect(errorCode(bad.put)).toBe('DIGEST_INVALID');
    // the upload stays: finishing it with the right tarsum works
    const retry = new URL(bad.location);
    retry.searchParams.set('digest', TARSUM);
    expect((await raw(reg.url, 'PUT', retry.pathname + retry.search)).status).toBe(201);
    const junk = await upload(reg, 'legacy/ts', Buffer.from('not a tar archive, just some bytes'.repeat(40)), TARSUM);
    expect(errorCode(junk.put)).toBe('DIGEST_INVALID');
  });

  it('a schema 1 manifest may name the layer by its tarsum; GC keeps the sha256 blob behind it', async () => {
    const payload = marshalSchema1('legacy/ts', 'v1', 'amd64', [TARSUM], ['{"id":"' + 'b'.repeat(64) + '"}']);
    const signed = await signSchema1(payload, [generateKey()]);
    const put = await raw(reg.url, 'PUT', '/v2/legacy/ts/manifests/v1', { body: signed, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' } });
    expect(put.status, put.body.toString()).toBe(201);
    // the alias now names the plain tar of the retry above (same tarsum); the gzip one is garbage
    const v2 = join(reg.dir, 'docker/registry/v2');
    const sha = readFileSync(join(v2, 'repositories/legacy/ts/_layers/tarsum/v1/sha256', TARSUM.slice(-64), 'link'), 'utf8');
    expect(sha).toBe(digestOf(TAR));
    const report = await collectGarbage(new FilesystemDriver(reg.dir));
    expect(report.deleted).toContain(digestOf(GZ));
    expect(report.deleted).not.toContain(sha);
    expect(existsSync(join(v2, 'blobs/sha256', sha.slice(7, 9), sha.slice(7), 'data'))).toBe(true);
    expect((await raw(reg.url, 'GET', `/v2/legacy/ts/blobs/${TARSUM}`)).status).toBe(200);
  });
});
