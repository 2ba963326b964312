import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { parsePrettySignature } from '../../src/legacy/prettyjws.js';
import { blob, randomImage, storeImage } from '../helpers/layout-fixture.js';
import { startDistribution, type RunningDistribution } from '../helpers/distribution.js';
import { dist, note, skopeo, writeLayout } from './client-core-util.js';
import { tempDir } from '../helpers/temp.js';
import { digestOf as sha } from '../../src/digest/digest.js';


describe('dist client commands vs docker-registry 2.8, skopeo as witness', () => {
  let reg: RunningDistribution;
  let work: string;
  beforeAll(async () => {
    reg = await startDistribution();
    work = tempDir('dist-cc-skopeo-');
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('an image skopeo pushed: dist digest / inspect --raw agree byte for byte with skopeo', async () => {
    for (const name of ['oci', 'v2s2'] as const) {
      const img = await randomImage({ layers: 2, size: 20_000, gzip: true });
      const layout = join(work, `layout-${name}`);
      await writeLayout(layout, img.blobs, 'v1');
      const fmt = name === 'v2s2' ? ['--format', 'v2s2'] : [];
      const cp = await skopeo(['copy', ...fmt, '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/sk/${name}:v1`]);
      expect(cp.code, cp.err).toBe(0);
      const raw = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/sk/${name}:v1`]);
      const d = await dist(['digest', `${reg.host}/sk/${name}:v1`]);
      expect(d.code, d.err).toBe(0);
      expect(d.out.trim()).toBe(sha(raw.out));
      const r = await dist(['inspect', '--raw', `${reg.host}/sk/${name}:v1`]);
      expect(Buffer.from(r.out).equals(raw.out)).toBe(true);
      const s = await dist(['inspect', `${reg.host}/sk/${name}:v1`]);
      note(`dist inspect ${name}`, s.out.split('\n').slice(1, 3).join(' | '));
      if (name === 'v2s2') expect(s.out).toContain('application/vnd.docker.distribution.manifest.v2+json');
      expect(s.out).toContain(img.layers[0]!.desc.digest);
    }
  });

  it('dist tag makes a tag skopeo sees with the same bytes; dist tags equals skopeo list-tags', async () => {
    const t = await dist(['tag', `${reg.host}/sk/oci:v1`, 'v2', 'v3']);
    expect(t.code, t.err).toBe(0);
    const a = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/sk/oci:v1`]);
    const b = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/sk/oci:v3`]);
    expect(b.out.equals(a.out)).toBe(true);
    const list = JSON.parse((await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/sk/oci`])).out.toString()) as { Tags: string[] };
    const mine = (await dist(['tags', `${reg.host}/sk/oci`, '--page-size', '2'])).out.split('\n').filter(Boolean);
    note('skopeo list-tags', list.Tags);
    note('dist tags', mine);
    expect(mine.sort()).toEqual(list.Tags.sort());
    expect(mine.sort()).toEqual(['v1', 'v2', 'v3']);
  });

  it('dist catalog follows distribution\'s relative Link pagination', async () => {
    const c = await dist(['catalog', reg.host, '--page-size', '1']);
    note('dist catalog --page-size 1', c.out.trim().split('\n'));
    expect(c.out.trim().split('\n')).toEqual(['sk/oci', 'sk/v2s2']);
  });

  it('an image dist pushed (library) is read by skopeo with the same bytes and digests', async () => {
    const img = await randomImage({ layers: 2, size: 50_000, gzip: true });
    const repo = new RemoteRepository(reg.host, 'dp/app', { journal: false, chunkSize: 32 * 1024 });
    await storeImage(repo, img.blobs);
    await repo.tag(img.manifest.desc, 'v1');
    const raw = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/dp/app:v1`]);
    expect(raw.out.equals(img.manifest.bytes)).toBe(true);
    const out = join(work, 'out');
    const cp = await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/dp/app:v1`, `oci:${out}:v1`]);
    expect(cp.code, cp.err).toBe(0);
    for (const l of img.layers) expect(sha(await readFile(join(out, 'blobs', 'sha256', l.desc.digest.slice(7))))).toBe(l.desc.digest);
    note('skopeo read dist-pushed manifest', sha(raw.out));
  });

  it('dist delete resolves the tag and deletes by digest (2.8 refuses tag deletes)', async () => {
    const del = await dist(['delete', `${reg.host}/sk/oci:v2`]);
    note('dist delete', del.out.trim());
    expect(del.code, del.err).toBe(0);
    const gone = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/sk/oci:v1`]);
    expect(gone.code).not.toBe(0);
    const again = await dist(['digest', `${reg.host}/sk/oci:v1`]);
    expect(again.code).toBe(3);
  });
});

describe('schema 1 (signed) manifests from docker-registry 2.8', () => {
  let reg: RunningDistribution;
  let work: string;
  beforeAll(async () => {
    reg = await startDistribution({ extraYaml: 'compatibility:\n  schema1:\n    enabled: true' });
    work = tempDir('dist-cc-s1-');
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('dist digest is the JWS payload digest skopeo reports; inspect --raw serves the signed document', async () => {
    const base = await randomImage({ layers: 1, size: 5_000, gzip: true });
    const cfg = JSON.parse(base.config.bytes.toString()) as Record<string, unknown>;
    cfg.history = [{ created: '2026-01-01T00:00:00Z', created_by: 'test' }];
    const config = blob(base.config.desc.mediaType, Buffer.from(JSON.stringify(cfg)));
    const manifest = blob(base.manifest.desc.mediaType, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: base.manifest.desc.mediaType, config: config.desc, layers: base.layers.map((l) => l.desc) })));
    const layout = join(work, 'l');
    await writeLayout(layout, [config, ...base.layers, manifest], 'v1');
    const cp = await skopeo(['copy', '--format', 'v2s1', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/s1/app:v1`]);
    expect(cp.code, cp.err).toBe(0);
    const info = JSON.parse((await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/s1/app:v1`])).out.toString()) as { Digest: string };
    const raw = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/s1/app:v1`]);
    const d = await dist(['digest', `${reg.host}/s1/app:v1`]);
    expect(d.code, d.err).toBe(0);
    note('schema1 digest (dist / skopeo)', `${d.out.trim()} / ${info.Digest}`);
    expect(d.out.trim()).toBe(info.Digest);
    expect(d.out.trim()).not.toBe(sha(raw.out)); // the payload digest, not the bytes'
    const r = await dist(['inspect', '--raw', `${reg.host}/s1/app@${info.Digest}`]);
    expect(r.code, r.err).toBe(0);
    // 2.8 signs schema 1 afresh on every GET (ECDSA is randomised): compare the signed payloads
    expect(sha(parsePrettySignature(Buffer.from(r.out)).payload)).toBe(info.Digest);
    expect(parsePrettySignature(Buffer.from(r.out)).payload.equals(parsePrettySignature(raw.out).payload)).toBe(true);
  });
});
