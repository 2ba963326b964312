import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/digest/digest.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { paths } from '../../src/storage/paths.js';
import { randomImage, type RandomImage } from '../helpers/images.js';
import { putBlob } from '../team/gc-fixture.js';
import { type DistInstance, startDist } from './peers/dist-serve.js';
import { type RedisPeer, startRedis } from './peers/redis.js';
import { sh } from './team-util.js';

let redis: RedisPeer;
let work: string;
const inst: DistInstance[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dist-multi-gc-'));
  redis = await startRedis();
}, 120_000);

afterAll(async () => {
  for (const i of inst) await i.stop();
  await redis?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const config = (data: string, interval: string) => ({
  version: 0.1,
  log: { level: 'info' },
  storage: { filesystem: { rootdirectory: data }, delete: { enabled: true }, gc: { enabled: true, interval, graceperiod: '2s' } },
  http: { addr: '127.0.0.1:0', secret: 'shared' },
  redis: { addr: redis.addr },
});

const cycles = (stderr: string): Array<{ deleted: number; protected: number }> =>
  stderr.split('\n').filter((l) => l.includes('gc: cycle done')).map((l) => JSON.parse(l.slice(l.indexOf('{'))) as { deleted: number; protected: number });

describe('two dist serve instances, one data dir, one Redis: online GC', () => {
  it('concurrent pushes through A while B collects every 100 ms lose nothing, even of blobs that were garbage when B marked them', async () => {
    const data = join(work, 'data');
    const fs = new FilesystemDriver(data);
    const imgs: RandomImage[] = await Promise.all([...Array(8).keys()].map((i) => randomImage({ layers: 2, size: 4000, dir: join(work, `img${i}`), tag: 'v1' })));
    // already in the store, unreferenced and old: the first four images' config and layers, and three true orphans
    const old = new Date(Date.now() - 3600_000);
    const reused: Digest[] = [];
    for (const img of imgs.slice(0, 4)) for (const b of [img.config, ...img.layers]) reused.push(await putBlob(fs, b.bytes));
    const orphans: Digest[] = [];
    for (let i = 0; i < 3; i++) orphans.push(await putBlob(fs, Buffer.from(`orphan ${i} ${Math.random()}`)));
    for (const d of [...reused, ...orphans]) utimesSync(join(data, paths.blobData(d)), old, old);

    // same config, but only B's interval is short: A serves (its GC lease attempts are hourly)
    const [a, b] = await Promise.all([startDist(work, 'A', config(data, '1h')), startDist(work, 'B', config(data, '100ms'))]);
    inst.push(a!, b!);
    const push = async (i: number): Promise<void> => {
      const r = await sh('skopeo', ['copy', '--dest-tls-verify=false', `oci:${imgs[i]!.dir}:v1`, `docker://${a!.host}/team/img${i}:v1`]);
      expect(r.code, r.stderr).toBe(0);
    };
    await Promise.all([0, 1, 2, 3].map(push));
    await Promise.all([4, 5, 6, 7].map(push));
    await new Promise((ok) => setTimeout(ok, 2500)); // past the grace period: later cycles judge on the Redis guard and references alone

    // every image is complete through B (and on disk)
    for (let i = 0; i < 8; i++) {
      const out = join(work, `out${i}`);
      const r = await sh('skopeo', ['copy', '--src-tls-verify=false', `docker://${b!.host}/team/img${i}:v1`, `oci:${out}:v1`]);
      expect(r.code, r.stderr).toBe(0);
      const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
      expect(index.manifests[0]!.digest).toBe(imgs[i]!.manifest.digest);
      for (const blob of [imgs[i]!.manifest, imgs[i]!.config, ...imgs[i]!.layers]) expect(existsSync(join(data, paths.blobData(blob.digest as Digest)))).toBe(true);
    }
    // B did collect (the orphans are gone), A never did
    for (const d of orphans) expect(existsSync(join(data, paths.blobData(d)))).toBe(false);
    const ran = cycles(b!.stderr());
    expect(ran.length).toBeGreaterThan(5);
    expect(ran.reduce((n, c) => n + c.deleted, 0)).toBeGreaterThanOrEqual(orphans.length);
    expect(cycles(a!.stderr())).toEqual([]);
    process.stderr.write(`multi-gc: B ran ${ran.length} cycles, deleted ${ran.reduce((n, c) => n + c.deleted, 0)}, protected ${ran.reduce((n, c) => n + c.protected, 0)} (sum over cycles)\n`);
  });
});
