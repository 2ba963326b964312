import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { type Served, spawnServe, stopServe } from './spawn.js';
import { makeImage, putManifest, raw, sha } from './util.js';
import { tempDir } from '../helpers/temp.js';

let dir: string;
let served: Served | undefined;
beforeEach(() => {
  dir = tempDir('dist-crash-');
});
afterEach(() => stopServe(served));

const serve = (): Promise<Served> => spawnServe([dir, '--addr', '127.0.0.1:0', '--log-level', 'error']);

describe('crash safety (kill -9)', () => {
  it('a process killed mid-PATCH leaves the upload resumable and no partial blob', async () => {
    served = await serve();
    const data = randomBytes(2 * 1024 * 1024);
    const loc = (await raw(served.url, 'POST', '/v2/crash/up/blobs/uploads/')).header('location')!;
    const u = new URL(served.url);
    await new Promise<void>((resolve) => {
      const req = request({ host: u.hostname, port: u.port, method: 'PATCH', path: loc, headers: { 'Content-Length': String(data.length) } });
      req.on('error', () => resolve());
      req.write(data.subarray(0, 700_000), () => {
        setTimeout(() => {
          served!.proc.kill('SIGKILL');
          resolve();
        }, 300);
      });
    });
    await served.exited;
    expect(await readdir(join(dir, 'docker/registry/v2/blobs')).catch(() => [])).toEqual([]);
    served = await serve();
    const st = await raw(served.url, 'GET', loc);
    expect(st.status).toBe(204);
    const got = Number(/^0-(\d+)$/.exec(st.header('range')!)![1]) + 1;
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(700_000);
    const rest = data.subarray(got);
    const p = await raw(served.url, 'PATCH', loc, { body: rest, headers: { 'Content-Range': `${got}-${data.length - 1}` } });
    expect(p.status).toBe(202);
    const put = await raw(served.url, 'PUT', `${loc}?digest=${sha(data)}`);
    expect(put.status).toBe(201);
    expect((await raw(served.url, 'GET', `/v2/crash/up/blobs/${sha(data)}`)).body.equals(data)).toBe(true);
    expect(await checkInvariants(dir)).toEqual([]);
  });

  it('kills during a storm of pushes never leave a half-written blob, link or tag', async () => {
    let pushed = 0;
    for (let round = 0; round < 3; round++) {
      served = await serve();
      const url = served.url;
      const work = Array.from({ length: 6 }, async (_, i) => {
        for (let k = 0; k < 50; k++) {
          const img = makeImage({ size: 20_000 + i * 1000 });
          const name = `storm/r${i % 3}`;
          try {
            for (const b of [img.config, img.layers[0]!]) {
              const loc = (await raw(url, 'POST', `/v2/${name}/blobs/uploads/`)).header('location')!;
              await raw(url, 'PATCH', loc, { body: b });
              await raw(url, 'PUT', `${loc}?digest=${sha(b)}`);
            }
            const r = await putManifest(url, name, `t${k % 4}`, img.manifest);
            if (r.status === 201) pushed++;
          } catch {
            return;
          }
        }
      });
      await new Promise((r) => setTimeout(r, 500 + round * 300));
      served.proc.kill('SIGKILL');
      await Promise.all(work);
      await served.exited;
      expect(await checkInvariants(dir)).toEqual([]);
    }
    expect(pushed).toBeGreaterThan(0);
    served = await serve();
    const cat = await raw(served.url, 'GET', '/v2/_catalog');
    expect(cat.json<{ repositories: string[] }>().repositories.length).toBeGreaterThan(0);
    const tags = await raw(served.url, 'GET', '/v2/storm/r0/tags/list');
    expect(tags.status).toBe(200);
  });
});
