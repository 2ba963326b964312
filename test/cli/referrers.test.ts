import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
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

  it('a bad attach is a usage error on one line, exit 2', async () => {
    const r = await dist(['attach', `${reg.host}/cli/app:v1`, join(dir, 'absent.txt'), '--artifact-type', 'text/plain']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^dist: .*absent\.txt: no such file/)]);
  });
});
