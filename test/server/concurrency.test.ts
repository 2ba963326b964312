import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { checkInvariants } from './invariants.js';
import { OCI_MANIFEST, getManifest, makeImage, pushBlob, putManifest, raw, sha } from './util.js';

const reg = shared(startRegistry);

describe('concurrency', () => {
  it('many clients pushing the same blob end with one consistent blob', async () => {
    const data = randomBytes(300_000);
    const digests = await Promise.all(Array.from({ length: 8 }, (_, i) => pushBlob(reg.url, i % 2 ? 'conc/a' : 'conc/b', data)));
    expect(new Set(digests)).toEqual(new Set([sha(data)]));
    for (const repo of ['conc/a', 'conc/b']) {
      expect((await raw(reg.url, 'GET', `/v2/${repo}/blobs/${sha(data)}`)).body.equals(data)).toBe(true);
    }
    expect(await checkInvariants(reg.dir)).toEqual([]);
  });

  it('many clients pushing different manifests to one tag: the tag ends on one of them, all revisions intact', async () => {
    const imgs = Array.from({ length: 8 }, () => makeImage({ size: 200 }));
    for (const img of imgs) {
      await pushBlob(reg.url, 'conc/tag', img.config);
      await pushBlob(reg.url, 'conc/tag', img.layers[0]!);
    }
    const results = await Promise.all(imgs.map((img) => putManifest(reg.url, 'conc/tag', 'latest', img.manifest)));
    expect(results.map((r) => r.status)).toEqual(imgs.map(() => 201));
    const cur = await getManifest(reg.url, 'conc/tag', 'latest', OCI_MANIFEST);
    expect(imgs.map((i) => i.digest)).toContain(cur.header('docker-content-digest'));
    for (const img of imgs) expect((await getManifest(reg.url, 'conc/tag', img.digest, OCI_MANIFEST)).body.equals(img.manifest)).toBe(true);
    expect(await checkInvariants(reg.dir)).toEqual([]);
  });

  it('concurrent PATCHes to one upload are serialised (no interleaving)', async () => {
    const start = await raw(reg.url, 'POST', '/v2/conc/patch/blobs/uploads/');
    const loc = start.header('location')!;
    const parts = Array.from({ length: 4 }, () => randomBytes(100_000));
    const res = await Promise.all(parts.map((p) => raw(reg.url, 'PATCH', loc, { body: p })));
    expect(res.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    const st = await raw(reg.url, 'GET', loc);
    expect(st.header('range')).toBe('0-399999');
    // The final content is the parts in some order, never interleaved.
    const perms = (xs: number[]): number[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x) => perms(xs.filter((y) => y !== x)).map((p) => [x, ...p])));
    const candidates = perms([0, 1, 2, 3]).map((o) => Buffer.concat(o.map((i) => parts[i]!)));
    let ok = 0;
    for (const c of candidates) {
      const r = await raw(reg.url, 'PUT', `${loc}?digest=${sha(c)}`);
      if (r.status === 201) {
        ok++;
        break;
      }
    }
    expect(ok).toBe(1);
  });

  it('concurrent chunk-form PATCHes at the same offset: one wins, the others get 416', async () => {
    const start = await raw(reg.url, 'POST', '/v2/conc/chunk/blobs/uploads/');
    const loc = start.header('location')!;
    const res = await Promise.all([0, 1, 2].map(() => raw(reg.url, 'PATCH', loc, { body: randomBytes(1000), headers: { 'Content-Range': '0-999' } })));
    expect(res.map((r) => r.status).sort()).toEqual([202, 416, 416]);
  });
});
