import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { startWithoutReferrersApi } from '../helpers/fault-proxy.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import { buildOnce, dist, eventsOf, resultOf } from './helpers.js';

describe('dist attach / dist referrers / --referrers (CLI)', () => {
  let reg: TestRegistry;
  let dir: string;
  let subject: string;
  beforeAll(async () => {
    buildOnce();
    reg = await startRegistry();
    dir = tempDir('dist-cli-referrers-');
    const img = await randomImage({ layers: 1, size: 1024 });
    subject = (await storeImage(new RemoteRepository(reg.host, 'cli/app', { journal: false }), img.blobs, 'v1')).digest;
  });
  afterAll(() => reg.close());

  it('attach prints one line (or one JSON object); referrers lists it in both forms', async () => {
    const file = join(dir, 'sbom.json');
    await writeFile(file, '{"sbom":true}');
    const a = await dist(['attach', `${reg.host}/cli/app:v1`, `${file}:application/spdx+json`, '--artifact-type', 'application/spdx+json', '-a', 'k=v', '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.json).toEqual([expect.objectContaining({ subject, artifactType: 'application/spdx+json', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) })]);
    const digest = a.json[0]!.digest as string;
    const text = await dist(['referrers', `${reg.host}/cli/app:v1`]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${digest}  application/spdx\\+json  \\d+\\n$`));
    const json = await dist(['referrers', `${reg.host}/cli/app:v1`, '--json']);
    expect(json.json).toEqual([expect.objectContaining({ subject, digest, artifactType: 'application/spdx+json', annotations: expect.objectContaining({ k: 'v' }) })]);
    const none = await dist(['referrers', `${reg.host}/cli/app:v1`, '--artifact-type', 'application/other']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
  });

  it('copy --referrers reports the count in its result and a referrer-copied event', async () => {
    const r = await dist(['copy', '--referrers', `${reg.host}/cli/app:v1`, `${reg.host}/cli/mirror:v1`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(resultOf(r)).toMatchObject({ digest: subject, referrers: 1 });
    expect(eventsOf(r, 'referrer-copied')).toEqual([expect.objectContaining({ subject, artifactType: 'application/spdx+json' })]);
  });

  it('--json prints only descriptor fields and the real subject, with C1 and bidi characters escaped', async () => {
    const img = await randomImage({ layers: 1, size: 256 });
    const repo = new RemoteRepository(reg.host, 'cli/json', { journal: false });
    const digest = (await storeImage(repo, img.blobs, 'v1')).digest;
    const a = await dist(['attach', `${reg.host}/cli/json:v1`, '--artifact-type', 'text/plain', '-a', 'note=a\u009b2Jb\u202ec', '--json']);
    expect(a.code, a.stderr).toBe(0);
    // a fallback index (as on a registry without the API) whose entry carries fields of its own
    const tag = `sha256-${digest.slice(7)}`;
    const entry = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: a.json[0]!.digest, size: a.json[0]!.size, artifactType: 'text/plain', subject: `sha256:${'f'.repeat(64)}`, urls: ['http://x'] };
    await repo.manifests.put(tag, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry] })), 'application/vnd.oci.image.index.v1+json');
    const legacy = await startWithoutReferrersApi(reg.host);
    try {
      const viaTag = await dist(['referrers', `${legacy.host}/cli/json:v1`, '--json']);
      expect(viaTag.code, viaTag.stderr).toBe(0);
      expect(viaTag.json).toEqual([{ mediaType: entry.mediaType, digest: entry.digest, size: entry.size, artifactType: 'text/plain', subject: digest }]);
    } finally {
      await legacy.close();
    }
    const viaApi = await dist(['referrers', `${reg.host}/cli/json:v1`, '--json']);
    expect(viaApi.stdout).toContain('a\\u009b2Jb\\u202ec');
    expect(viaApi.stdout).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
    expect((viaApi.json[0]!.annotations as Record<string, string>).note).toBe('a\u009b2Jb\u202ec');
  });

  it('a bad attach is a usage error on one line, exit 2', async () => {
    const r = await dist(['attach', `${reg.host}/cli/app:v1`, join(dir, 'absent.txt'), '--artifact-type', 'text/plain']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^dist: .*absent\.txt: no such file/)]);
  });
});
