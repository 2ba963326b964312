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
