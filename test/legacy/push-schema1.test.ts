import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pull, push } from '../../src/copy/api.js';
import { EMPTY_LAYER_DIGEST } from '../../src/legacy/empty-layer.js';
import { generateKey } from '../../src/legacy/keys.js';
import { schema1ManifestHandlers } from '../../src/legacy/schema1-handlers.js';
import { verifySchema1 } from '../../src/legacy/verify.js';
import { buildOnce, dist } from '../cli/helpers.js';
import { randomImage, writeLayout, type RandomImage } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { raw, sha } from '../server/util.js';
import { tempDir } from '../helpers/temp.js';

const SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

describe('push --format v2s1', () => {
  let reg: TestRegistry;
  let work: string;
  let img: RandomImage;
  beforeAll(async () => {
    work = tempDir('dist-push-s1-');
    img = await randomImage({ layers: 2, size: 20_000, dir: join(work, 'src'), tag: 'v1' });
    reg = await startRegistry({ manifestHandlers: await schema1ManifestHandlers({ key: generateKey() }) });
  });
  afterAll(async () => {
    await reg.close();
    await rm(work, { recursive: true, force: true });
  });

  it('converts, signs and pushes; the registry verifies it; pulling it back gives the same layers and diff IDs', async () => {
    const r = await push(join(work, 'src'), `${reg.host}/legacy/pushed:v1`, { format: 'v2s1', signKey: generateKey() });
    expect(r.root.mediaType).toBe(SIGNED);
    expect(r.blobs.copied).toBe(2);
    const got = await raw(reg.url, 'GET', '/v2/legacy/pushed/manifests/v1', { headers: { Accept: SIGNED } });
    expect(got.status).toBe(200);
    expect(got.header('docker-content-digest')).toBe(r.root.digest);
    const v = await verifySchema1(got.body);
    expect(v.manifest).toMatchObject({ name: 'legacy/pushed', tag: 'v1', architecture: 'amd64' });
    expect(v.manifest.fsLayers.map((l) => l.blobSum)).toEqual([...img.layers].reverse().map((l) => l.digest));
    const back = await pull(`${reg.host}/legacy/pushed:v1`, { output: join(work, 'back') });
    const blob = async (d: string): Promise<Buffer> => readFile(join(work, 'back', 'blobs/sha256', d.slice(7)));
    const m = JSON.parse((await blob(back.root.digest)).toString());
    expect(m.layers.map((l: { digest: string }) => l.digest)).toEqual(img.layers.map((l) => l.digest));
    expect(JSON.parse((await blob(m.config.digest)).toString()).rootfs.diff_ids).toEqual(img.diffIds);
  });

  it('dist push --format v2s1 --sign-key from the command line; an empty_layer history entry becomes a throwaway layer', async () => {
    buildOnce();
    // the same image with an ENV-like history entry without a layer
    const cfg = JSON.parse(img.config.bytes.toString());
    cfg.history.splice(1, 0, { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ENV A=b', empty_layer: true });
    const configBytes = Buffer.from(JSON.stringify(cfg));
    const config = { ...img.config, bytes: configBytes, digest: sha(configBytes), size: configBytes.length };
    const mbytes = Buffer.from(JSON.stringify({ ...JSON.parse(img.manifest.bytes.toString()), config: { mediaType: config.mediaType, digest: config.digest, size: config.size } }));
    await writeLayout(join(work, 'src2'), { ...img, config, manifest: { ...img.manifest, bytes: mbytes, digest: sha(mbytes), size: mbytes.length } });
    expect((await dist(['key', 'generate', '-o', join(work, 'key.json')])).code).toBe(0);
    const r = await dist(['push', join(work, 'src2'), `${reg.host}/legacy/cli:v2`, '--format', 'v2s1', '--sign-key', join(work, 'key.json')]);
    expect(r.code, r.stderr).toBe(0);
    const got = await raw(reg.url, 'GET', '/v2/legacy/cli/manifests/v2', { headers: { Accept: SIGNED } });
    const m = (await verifySchema1(got.body)).manifest;
    expect(m.tag).toBe('v2');
    expect(m.fsLayers.map((l) => l.blobSum)).toEqual([img.layers[1]!.digest, EMPTY_LAYER_DIGEST, img.layers[0]!.digest]);
    expect(JSON.parse(m.history[1]!.v1Compatibility).throwaway).toBe(true);
    expect((await raw(reg.url, 'HEAD', `/v2/legacy/cli/blobs/${EMPTY_LAYER_DIGEST}`)).status).toBe(200);
    const bad = await dist(['push', join(work, 'src'), `${reg.host}/legacy/cli:v3`, '--sign-key', join(work, 'key.json')]);
    expect(bad.code).toBe(2);
  }, 120_000);
});
