import { existsSync, readFileSync } from 'node:fs';


import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomImage } from '../helpers/layout-fixture.js';
import { closeAfterEach } from '../helpers/closers.js';
import { buildOnce } from '../cli/helpers.js';
import { honest, hostileRegistry, isolatedEnv, oneLine, runWithin, type Route } from './hostile-registry.js';
import { tempDir } from '../helpers/temp.js';

const closers = closeAfterEach();
beforeAll(() => buildOnce(), 180_000);

/** The first GET of the blob sends half of it and drops the connection; later GETs go to `then`. */
function breaksOnce(bytes: Buffer, then: Route): Route {
  let gets = 0;
  return (req, res) => {
    if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': String(bytes.length) }).end();
    if (++gets > 1) return then(req, res);
    res.writeHead(200, { 'content-length': String(bytes.length) });
    res.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => res.socket?.destroy(), 50));
  };
}

const layerBlob = (out: string, digest: string): string => join(out, 'blobs', 'sha256', digest.slice('sha256:'.length));
const tagged = (out: string): string[] => {
  const f = join(out, 'index.json');
  if (!existsSync(f)) return [];
  const idx = JSON.parse(readFileSync(f, 'utf8')) as { manifests?: Array<{ annotations?: Record<string, string> }> };
  return (idx.manifests ?? []).map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '');
};

describe('dist pull against a hostile registry', () => {
  it('a 206 without Content-Range to a resume is not appended: the blob restarts from 0 and the pull succeeds', async () => {
    const img = await randomImage({ layers: 1, size: 300_000 });
    const layer = img.layers[0]!;
    const routes = honest(img);
    // a proxy that labels its (whole) answers 206 and sends no Content-Range
    routes[`/v2/r/blobs/${layer.desc.digest}`] = breaksOnce(layer.bytes, (_q, s) => void s.writeHead(206, { 'content-length': String(layer.bytes.length) }).end(layer.bytes));
    const reg = await hostileRegistry(routes);
    closers.push(reg.close);
    const work = tempDir('dist-hostile-');
    const out = join(work, 'out');
    const r = await runWithin(20_000, ['pull', `${reg.host}/r:v1`, '-o', out], isolatedEnv(work, 'a'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(layerBlob(out, layer.desc.digest)).equals(layer.bytes)).toBe(true);
    expect(reg.hits.filter((h) => h.startsWith(`GET /v2/r/blobs/${layer.desc.digest}`)).length).toBe(3);
  });

  it('a redirect to an unusable Location: exit 1, one line naming it; the layout shows no blob and no tag', async () => {
    const img = await randomImage({ layers: 1, size: 4096 });
    const layer = img.layers[0]!;
    const work = tempDir('dist-hostile-');
    for (const location of ['http://[::zz/blob', 'file:///etc/passwd']) {
      const routes = honest(img);
      routes[`GET /v2/r/blobs/${layer.desc.digest}`] = (_q, s) => void s.writeHead(307, { location }).end();
      const reg = await hostileRegistry(routes);
      closers.push(reg.close);
      const out = join(work, location.slice(0, 4));
      const r = await runWithin(20_000, ['pull', `${reg.host}/r:v1`, '-o', out], isolatedEnv(work, location.slice(0, 4)));
      expect(r.code, location).toBe(1);
      expect(oneLine(r)).toMatch(/redirected to an unusable Location "(http:\/\/\[::zz\/blob|file:\/\/\/etc\/passwd)"/);
      expect(existsSync(layerBlob(out, layer.desc.digest))).toBe(false);
      expect(tagged(out)).not.toContain('v1');
    }
  });
});
