import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServe } from '../../src/server/serve.js';
import { freePort } from '../helpers/distribution.js';
import { makeImage, type Img } from '../server/util.js';
import { TestClient } from './client.js';
import { closeAfterEach } from '../helpers/closers.js';
import { tempDir } from '../helpers/temp.js';
import { writeFileSync } from 'node:fs';

const closers = closeAfterEach();

function age(dir: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      utimesSync(p, t, t);
    }
  };
  walk(dir);
}

const blobPath = (data: string, d: string) => join(data, 'docker/registry/v2/blobs/sha256', d.slice(7, 9), d.slice(7), 'data');
const exists = (p: string) => { try { statSync(p); return true; } catch { return false; } };

describe('online GC while pushing', () => {
  it('collects garbage during concurrent pushes without losing a blob any push needs', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const debug = await freePort();
    writeFileSync(join(dir, 'config.yml'), `version: 0.1
storage: { gc: { enabled: true, interval: 25ms, graceperiod: 1s } }
http: { debug: { addr: "127.0.0.1:${debug}" } }
`);
    const s = await startServe({ dir: data, addr: '127.0.0.1:0', config: join(dir, 'config.yml'), logLevel: 'error' });
    closers.push(() => s.close(500));
    const c = new TestClient(s.url);
    // before: a kept image, and deleted images whose blobs are garbage (made old)
    const kept = makeImage({ layers: 2, size: 3000 });
    expect(await c.pushImage('team/kept', kept, 'v1')).toBe(201);
    const dead: Img[] = [];
    for (let i = 0; i < 3; i++) {
      const img = makeImage({ layers: 2, size: 3000 });
      expect(await c.pushImage('team/old', img, `t${i}`)).toBe(201);
      expect((await c.fetch(`/v2/team/old/manifests/${img.digest}`, { method: 'DELETE' })).status).toBe(202);
      dead.push(img);
    }
    age(data, 3_600_000);
    // new images: some reuse a layer of a deleted image (HEAD finds it, the push skips it: the racing manifest PUT case)
    const fresh: Array<{ img: Img; repo: string }> = [];
    for (let i = 0; i < 12; i++) {
      const img = makeImage({ layers: 2, size: 3000 });
      if (i % 3 === 0) {
        const reused = dead[i % dead.length]!.layers[0]!;
        img.layers[0] = reused;
        const m = JSON.parse(img.manifest.toString()) as { layers: Array<{ digest: string; size: number }> };
        m.layers[0] = { ...m.layers[0]!, digest: `sha256:${(await import('node:crypto')).createHash('sha256').update(reused).digest('hex')}`, size: reused.length };
        img.manifest = Buffer.from(JSON.stringify(m));
        img.digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(img.manifest).digest('hex')}`;
      }
      fresh.push({ img, repo: i % 3 === 0 ? 'team/old' : `team/new${i % 2}` });
    }
    const statuses: number[] = [];
    let retried = 0;
    const pushOne = async ({ img, repo }: { img: Img; repo: string }, i: number): Promise<void> => {
      let st = await c.pushImage(repo, img, `n${i}`, true);
      if (st === 400) { retried++; st = await c.pushImage(repo, img, `n${i}`, false); }
      statuses.push(st);
    };
    const queue = fresh.map((f, i) => () => pushOne(f, i));
    await Promise.all(Array.from({ length: 4 }, async () => { for (let job = queue.shift(); job; job = queue.shift()) await job(); }));
    expect(statuses).toEqual(Array(12).fill(201));
    // the grace period passes, a few more cycles run, then check
    await new Promise((r) => setTimeout(r, 1500));
    const metrics = await (await fetch(`http://127.0.0.1:${debug}/metrics`)).text();
    const runs = Number(/dist_gc_runs_total\{outcome="ok"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    expect(runs).toBeGreaterThan(5);
    for (const { img, repo } of fresh) expect(await c.pullImage(repo, `n${fresh.findIndex((f) => f.img === img)}`)).toBe(true);
    expect(await c.pullImage('team/kept', 'v1')).toBe(true);
    const reusedLayers = new Set(fresh.filter((_, i) => i % 3 === 0).map((f) => f.img.layers[0]!));
    const { createHash } = await import('node:crypto');
    const d = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    for (const img of dead) {
      expect(exists(blobPath(data, img.digest))).toBe(false);
      expect(exists(blobPath(data, d(img.config)))).toBe(false);
      for (const l of img.layers) expect(exists(blobPath(data, d(l)))).toBe(reusedLayers.has(l));
    }
    expect(Number(/dist_gc_blobs_deleted_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(9 - reusedLayers.size);
    process.stderr.write(`online-gc: ${runs} cycles, ${retried} manifest PUTs refused with MANIFEST_BLOB_UNKNOWN and retried\n`);
  });
});
