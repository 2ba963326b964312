import { existsSync, readFileSync } from 'node:fs';
import { buffer as drain } from 'node:stream/consumers';
import { setTimeout as delay } from 'node:timers/promises';


import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomImage } from '../helpers/layout-fixture.js';
import { closeAfterEach } from '../helpers/closers.js';
import { buildOnce } from '../cli/helpers.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { honest, hostileRegistry, isolatedEnv, oneLine, runWithin } from './hostile-registry.js';
import { tempDir } from '../helpers/temp.js';

const closers = closeAfterEach();
beforeAll(() => buildOnce(), 180_000);

describe('registries that stall (--timeout)', () => {
  it('a registry that accepts and never answers: retried, then exit 6 in bounded time with one line', async () => {
    const img = await randomImage({ layers: 1, size: 1024 });
    const routes = honest(img);
    routes['/v2/r/manifests/v1'] = () => { /* never answers */ };
    const reg = await hostileRegistry(routes);
    closers.push(reg.close);
    const work = tempDir('dist-hostile-');
    const r = await runWithin(25_000, ['--timeout', '500ms', 'pull', `${reg.host}/r:v1`, '-o', join(work, 'out')], isolatedEnv(work, 'a'));
    expect(r.signal).toBeNull();
    expect(r.code).toBe(6);
    expect(oneLine(r)).toMatch(/manifests\/v1: no answer for 0.5 s \(the registry stopped answering; try again, or raise --timeout\)/);
    expect(reg.hits.filter((h) => h.includes('/manifests/v1')).length).toBeGreaterThan(1);
  });

  it('a blob that stops mid-body: exit 6 naming the stall; the layout shows no blob and no tag', async () => {
    const img = await randomImage({ layers: 1, size: 200_000 });
    const layer = img.layers[0]!;
    const routes = honest(img);
    routes[`GET /v2/r/blobs/${layer.desc.digest}`] = (req, res) => {
      const from = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
      res.writeHead(from ? 206 : 200, { 'content-length': String(layer.bytes.length - from), ...(from ? { 'content-range': `bytes ${from}-${layer.bytes.length - 1}/${layer.bytes.length}` } : {}) });
      res.write(layer.bytes.subarray(from, from + 1000)); // then nothing, connection kept open
    };
    const reg = await hostileRegistry(routes);
    closers.push(reg.close);
    const work = tempDir('dist-hostile-');
    const out = join(work, 'out');
    const r = await runWithin(25_000, ['--timeout', '500ms', 'pull', `${reg.host}/r:v1`, '-o', out], isolatedEnv(work, 'a'));
    expect(r.signal).toBeNull();
    expect(r.code).toBe(6);
    expect(oneLine(r)).toMatch(/no data for 0.5 s/);
    expect(existsSync(join(out, 'blobs', 'sha256', layer.desc.digest.slice(7)))).toBe(false);
    const index = existsSync(join(out, 'index.json')) ? readFileSync(join(out, 'index.json'), 'utf8') : '';
    expect(index).not.toContain('"v1"');
  });

  it('library: a reader that is slow itself is not a stall; a body that stops is, with undici\'s timeout code', async () => {
    const img = await randomImage({ layers: 2, size: 100_000 });
    const [ok, stuck] = img.layers as [typeof img.layers[0], typeof img.layers[0]];
    const routes = honest(img);
    routes[`GET /v2/r/blobs/${stuck.desc.digest}`] = (_req, res) => {
      res.writeHead(200, { 'content-length': String(stuck.bytes.length) });
      res.write(stuck.bytes.subarray(0, 1000));
    };
    const reg = await hostileRegistry(routes);
    closers.push(reg.close);
    const repo = new RemoteRepository(reg.host, 'r', { journal: false, timeoutMs: 300 });
    closers.push(() => repo.client.close());
    const slow = await repo.fetch(ok.desc);
    await delay(900); // three timeouts without reading: the bytes wait in the stream, nobody stalls
    expect((await drain(slow)).equals(ok.bytes)).toBe(true);
    const t0 = Date.now();
    const err = (await drain(await repo.fetch(stuck.desc)).catch((e: unknown) => e)) as Error & { cause?: { code?: string } };
    expect(err.message).toMatch(/no data for 0.3 s/);
    expect(err.cause?.code).toBe('UND_ERR_BODY_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(3_000);
  }, 20_000);

  it('--timeout takes durations and refuses nonsense (exit 2)', async () => {
    const r = await runWithin(10_000, ['--timeout', 'soon', 'tags', '127.0.0.1:9/r']);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/invalid duration "soon"/);
  });
});
