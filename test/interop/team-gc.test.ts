import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomImage, type RandomImage } from '../helpers/images.js';
import { dist, dockerRegistry, eligibleBlobs, sh } from './team-util.js';
import { tempDir } from '../helpers/temp.js';

let work: string;
let imgs: RandomImage[];
beforeAll(async () => {
  work = tempDir('dist-team-gc-');
  imgs = [];
  for (let i = 0; i < 3; i++) imgs.push(await randomImage({ layers: 2, size: 20_000, dir: join(work, `src${i}`), tag: 'v1' }));
});

const blobFile = (data: string, d: string) => join(data, 'docker/registry/v2/blobs/sha256', d.slice(7, 9), d.slice(7), 'data');

/** A data dir written by docker-registry via skopeo: three images, one deleted through the API, one tag moved. */
async function populate(name: string): Promise<{ data: string; config: string }> {
  const data = join(work, name);
  const reg = await dockerRegistry(work, data);
  try {
    for (let i = 0; i < 3; i++) {
      const r = await sh('skopeo', ['copy', '--dest-tls-verify=false', `oci:${join(work, `src${i}`)}:v1`, `docker://${reg.host}/team/app${i === 2 ? '2' : ''}:v${i}`]);
      expect(r.code, r.stderr).toBe(0);
    }
    // app: v0 and v1; delete v0 by digest; app2: v2 untagged later by pushing v1's image under the same tag
    const del = await sh('skopeo', ['delete', '--tls-verify=false', `docker://${reg.host}/team/app:v0`]);
    expect(del.code, del.stderr).toBe(0);
    const move = await sh('skopeo', ['copy', '--dest-tls-verify=false', `oci:${join(work, 'src1')}:v1`, `docker://${reg.host}/team/app2:v2`]);
    expect(move.code, move.stderr).toBe(0);
  } finally {
    await reg.stop();
  }
  return { data, config: reg.config };
}

describe('dist gc agrees with docker-registry garbage-collect', () => {
  it('--dry-run reports the same eligible blobs; dist gc then removes exactly those and docker-registry still serves the rest', async () => {
    const { data, config } = await populate('data-a');
    const theirs = await sh('docker-registry', ['garbage-collect', '--dry-run', config]);
    expect(theirs.code, theirs.stderr).toBe(0);
    const ours = await dist(['gc', '--dry-run', data]);
    expect(ours.code, ours.stderr).toBe(0);
    const expected = eligibleBlobs(theirs.stdout + theirs.stderr);
    process.stderr.write(`team-gc: docker-registry --dry-run eligible ${expected.length}: ${expected.join(' ')}\n`);
    process.stderr.write(`team-gc: dist gc --dry-run summary: ${ours.stdout.split('\n').find((l) => /eligible for deletion$/.test(l))}\n`);
    // exactly the deleted image (team/app:v0): manifest, config and its two layers
    const deleted = imgs[0]!;
    expect(expected).toEqual([deleted.manifest.digest, deleted.config.digest, ...deleted.layers.map((l) => l.digest)].sort());
    expect(eligibleBlobs(ours.stdout)).toEqual(expected);
    // the same docker-registry config file works as the argument too
    const viaConfig = await dist(['gc', '--dry-run', config]);
    expect(viaConfig.code, viaConfig.stderr).toBe(0);
    expect(eligibleBlobs(viaConfig.stdout)).toEqual(expected);
    for (const d of expected) expect(existsSync(blobFile(data, d))).toBe(true);
    const real = await dist(['gc', data]);
    expect(real.code, real.stderr).toBe(0);
    for (const d of expected) expect(existsSync(blobFile(data, d))).toBe(false);
    // nothing left for either tool
    expect(eligibleBlobs((await sh('docker-registry', ['garbage-collect', '--dry-run', config])).stdout)).toEqual([]);
    expect(eligibleBlobs((await dist(['gc', '--dry-run', data])).stdout)).toEqual([]);
    // the other images are intact for docker-registry
    const reg = await dockerRegistry(work, data);
    try {
      for (const [repo, tag] of [['team/app', 'v1'], ['team/app2', 'v2']] as const) {
        const out = join(work, `out-${repo.replace('/', '-')}`);
        const r = await sh('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/${repo}:${tag}`, `oci:${out}:x`]);
        expect(r.code, r.stderr).toBe(0);
      }
    } finally {
      await reg.stop();
    }
  });

  it('--delete-untagged: same eligible blobs as docker-registry garbage-collect --delete-untagged --dry-run', async () => {
    const { data, config } = await populate('data-b');
    const theirs = await sh('docker-registry', ['garbage-collect', '--dry-run', '--delete-untagged', config]);
    expect(theirs.code, theirs.stderr).toBe(0);
    const ours = await dist(['gc', '--dry-run', '--delete-untagged', data]);
    expect(ours.code, ours.stderr).toBe(0);
    const expected = eligibleBlobs(theirs.stdout + theirs.stderr);
    process.stderr.write(`team-gc: --delete-untagged eligible ${expected.length} (docker-registry) vs ${eligibleBlobs(ours.stdout).length} (dist)\n`);
    expect(eligibleBlobs(ours.stdout)).toEqual(expected);
    // the image whose tag moved away (src2 in team/app2) is now eligible too
    expect(expected).toContain(imgs[2]!.manifest.digest);
    const real = await dist(['gc', '--delete-untagged', data]);
    expect(real.code, real.stderr).toBe(0);
    expect(existsSync(blobFile(data, imgs[2]!.manifest.digest))).toBe(false);
    expect(existsSync(blobFile(data, imgs[1]!.manifest.digest))).toBe(true);
  });
});
