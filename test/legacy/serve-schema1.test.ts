import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_LAYER_GZIP } from '../../src/legacy/empty-layer.js';
import { generateKey, keyIdOf, parsePrivateKey } from '../../src/legacy/keys.js';
import { parseSchema1 } from '../../src/legacy/schema1.js';
import { schema1ManifestHandlers } from '../../src/legacy/schema1-handlers.js';
import { signSchema1 } from '../../src/legacy/sign.js';
import { verifySchema1 } from '../../src/legacy/verify.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { errorCode, pushBlob, raw } from '../server/util.js';
import { EXAMPLE_B_KEY, testdata } from './testdata.js';

const SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
const B_DIGEST = 'sha256:b4bcb428edd6a418d6c75a5715afd83acb505dc268cc7b8f89d9250485cea612';
const serverKey = generateKey();
const bKey = parsePrivateKey(EXAMPLE_B_KEY);
const exampleB = testdata('schema1', 'example-b-signed.json');
const payloadB = parseSchema1(exampleB).payload;

const put = (r: TestRegistry, name: string, ref: string, body: Buffer, ct = SIGNED) =>
  raw(r.url, 'PUT', `/v2/${name}/manifests/${ref}`, { body, headers: { 'Content-Type': ct } });

/** Example B's payload with other fields, signed with its key. */
async function variant(edit: (s: string) => string): Promise<Buffer> {
  return signSchema1(Buffer.from(edit(payloadB.toString())), [bKey]);
}

describe('dist serve with schema 1 enabled', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ manifestHandlers: await schema1ManifestHandlers({ key: serverKey }) });
    await pushBlob(reg.url, 'library/test', EMPTY_LAYER_GZIP);
  });
  afterAll(() => reg.close());

  it('accepts a signed manifest, stores its payload under the payload digest, serves it re-signed with the same digest', async () => {
    const res = await put(reg, 'library/test', 'latest', exampleB);
    expect(res.status, res.body.toString()).toBe(201);
    expect(res.header('docker-content-digest')).toBe(B_DIGEST);
    const hex = B_DIGEST.slice(7);
    const v2 = join(reg.dir, 'docker/registry/v2');
    expect(readFileSync(join(v2, 'blobs/sha256', hex.slice(0, 2), hex, 'data')).equals(payloadB)).toBe(true);
    expect(readFileSync(join(v2, 'repositories/library/test/_manifests/revisions/sha256', hex, 'link'), 'utf8')).toBe(B_DIGEST);
    for (const ref of ['latest', B_DIGEST]) {
      const got = await raw(reg.url, 'GET', `/v2/library/test/manifests/${ref}`, { headers: { Accept: SIGNED } });
      expect(got.status).toBe(200);
      expect(got.header('content-type')).toBe(SIGNED);
      expect(got.header('docker-content-digest')).toBe(B_DIGEST);
      const v = await verifySchema1(got.body);
      expect(v.digest).toBe(B_DIGEST);
      expect(v.keyIds).toEqual([keyIdOf(serverKey)]);
      expect(Number(got.header('content-length'))).toBe(got.body.length);
    }
  });

  it('refuses a tampered or unsigned manifest with MANIFEST_UNVERIFIED', async () => {
    const tampered = Buffer.from(exampleB.toString().replace('"amd64"', '"arm64"'));
    const r1 = await put(reg, 'library/test', 'latest', tampered);
    expect(r1.status).toBe(400);
    expect(errorCode(r1)).toBe('MANIFEST_UNVERIFIED');
    const r2 = await put(reg, 'library/test', 'latest', payloadB, 'application/vnd.docker.distribution.manifest.v1+json');
    expect(errorCode(r2)).toBe('MANIFEST_UNVERIFIED');
  });

  it('checks name, tag and that every blobSum exists', async () => {
    expect(errorCode(await put(reg, 'library/other', 'latest', exampleB))).toBe('NAME_INVALID');
    expect(errorCode(await put(reg, 'library/test', 'v2', exampleB))).toBe('TAG_INVALID');
    const missing = await variant((s) => s.replace('a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4', 'a'.repeat(64)));
    const r = await put(reg, 'library/test', 'latest', missing);
    expect(r.status).toBe(400);
    expect(errorCode(r)).toBe('MANIFEST_BLOB_UNKNOWN');
    const byDigest = await put(reg, 'library/test', B_DIGEST, exampleB);
    expect(byDigest.status).toBe(201);
  });
});

describe('dist serve without schema 1', () => {
  it('refuses schema 1 manifests', async () => {
    const reg = await startRegistry();
    try {
      await pushBlob(reg.url, 'library/test', EMPTY_LAYER_GZIP);
      const r = await put(reg, 'library/test', 'latest', exampleB);
      expect(r.status).toBe(400);
      expect(errorCode(r)).toBe('MANIFEST_INVALID');
    } finally {
      await reg.close();
    }
  });
});
