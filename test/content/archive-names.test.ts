import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { pull } from '../../src/copy/api.js';
import { openSource } from '../../src/copy/endpoints.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';

describe('an archive dist wrote is addressed by the full name it recorded', () => {
  let reg: TestRegistry;
  let digest: string;
  beforeAll(async () => {
    reg = await startRegistry();
    digest = (await storeImage(new RemoteRepository(reg.host, 'team/app', { journal: false }), (await randomImage({ layers: 1, size: 1024 })).blobs, 'v2')).digest;
  });
  afterAll(() => reg.close());

  it('a docker save archive (Docker 25+, with index.json) answers to the short name docker would use', async () => {
    // what `docker save alpine:3.19` records: the full name in io.containerd.image.name, the tag in ref.name
    const { writeFile, mkdir } = await import('node:fs/promises');
    const { execFileSync } = await import('node:child_process');
    const img = await randomImage({ layers: 1, size: 512 });
    const dir = tempDir('dist-archive-names-');
    const root = join(dir, 'root');
    await mkdir(join(root, 'blobs/sha256'), { recursive: true });
    for (const b of img.blobs) await writeFile(join(root, 'blobs/sha256', b.desc.digest.slice(7)), b.bytes);
    await writeFile(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(root, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...img.manifest.desc, annotations: { 'io.containerd.image.name': 'docker.io/library/alpine:3.19', 'org.opencontainers.image.ref.name': '3.19' } }] }));
    const tar = join(dir, 'saved.tar');
    execFileSync('tar', ['-C', root, '-cf', tar, '.']);
    for (const ref of [`${tar}:alpine:3.19`, `${tar}:library/alpine:3.19`, `${tar}:docker.io/library/alpine:3.19`, `${tar}:3.19`]) {
      const src = await openSource(ref);
      expect((await src.target.resolve(src.reference)).digest, ref).toBe(img.manifest.desc.digest);
    }
  });

  for (const format of ['docker-archive', 'oci-archive'] as const) {
    it(`${format}: FILE.tar:REGISTRY:PORT/REPO:TAG, as well as FILE.tar:TAG`, async () => {
      const tar = join(tempDir('dist-archive-names-'), 'x.tar');
      await pull(`${reg.host}/team/app:v2`, { output: tar, format, journal: false });
      for (const ref of [`${tar}:${reg.host}/team/app:v2`, `${tar}:v2`]) {
        const src = await openSource(ref);
        expect((await src.target.resolve(src.reference)).digest, ref).toBe(digest);
      }
    });
  }
});
