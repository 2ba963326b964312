import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { ArchiveWriter } from '../../src/content/archive/archive-writer.js';
import { DockerArchiveReader } from '../../src/content/archive/docker-archive-reader.js';
import { openLocalSource, parseLocalSpec } from '../../src/content/local.js';
import { readCapped } from '../../src/content/read.js';
import { indexTar } from '../../src/content/tar/tar-index.js';
import { TarSource } from '../../src/content/tar/tar-source.js';
import { digestOf } from '../../src/digest/digest.js';
import { DigestMismatchError } from '../../src/errors/errors.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { randomImage, randomTar, storeImage } from '../helpers/layout-fixture.js';
import { tempDir } from '../helpers/temp.js';

const tmp = async (): Promise<string> => tempDir('dist-archive-');

async function tarFile(path: string, files: Array<[string, Buffer]>): Promise<void> {
  const pack = tar.pack();
  for (const [name, data] of files) pack.entry({ name }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  await writeFile(path, Buffer.concat(chunks));
}

describe('archives', () => {
  it('tar index finds entries with long (pax) names at the right offsets', async () => {
    const dir = await tmp();
    const long = `${'d'.repeat(120)}/${'f'.repeat(90)}.bin`;
    const data = Buffer.from('hello world');
    await tarFile(join(dir, 't.tar'), [['a.txt', Buffer.from('A')], [long, data]]);
    const idx = await indexTar(join(dir, 't.tar'));
    expect([...idx.keys()]).toEqual(['a.txt', long]);
    const src = await TarSource.open(join(dir, 't.tar'));
    expect(await readCapped(await src.open(long, 6), 100)).toEqual(Buffer.from('world'));
  });

  for (const format of ['docker-archive', 'oci-archive'] as const) {
    it(`${format}: written by streaming and read back with the same digests`, async () => {
      const dir = await tmp();
      const img = await randomImage({ docker: format === 'docker-archive' });
      const out = join(dir, 'img.tar');
      const w = new ArchiveWriter(out, format);
      await storeImage(w, img.blobs, '127.0.0.1:5000/team/app:v1');
      await w.close();
      expect(await readdir(dir)).toEqual(['img.tar']);
      const { target, format: sniffed } = await openLocalSource(out);
      expect(sniffed).toBe(format);
      const root = await target.resolve('v1');
      expect(root.digest).toBe(img.manifest.desc.digest);
      for (const b of img.blobs) expect(await readCapped(await target.fetch(b.desc), 1 << 20)).toEqual(b.bytes);
      const names = [...(await indexTar(out)).keys()];
      if (format === 'docker-archive') {
        expect(names).toContain('manifest.json');
        const src = await TarSource.open(out);
        const mj = JSON.parse((await readCapped(await src.open('manifest.json'), 1 << 20)).toString());
        expect(mj[0].RepoTags).toEqual(['127.0.0.1:5000/team/app:v1']);
        expect(mj[0].Layers).toEqual(img.layers.map((l) => `blobs/sha256/${l.desc.digest.slice(7)}`));
      } else expect(names).not.toContain('manifest.json');
    });
  }

  it('a corrupt blob aborts the archive and leaves no file behind', async () => {
    const dir = await tmp();
    const img = await randomImage({ layers: 1 });
    const w = new ArchiveWriter(join(dir, 'x.tar'), 'oci-archive');
    const bad = Buffer.from(img.layers[0]!.bytes);
    bad[10] ^= 1;
    await expect(w.push(img.layers[0]!.desc, Readable.from([bad]))).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(w.close()).rejects.toBeInstanceOf(DigestMismatchError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('reads a legacy docker save tarball (id/layer.tar, uncompressed, digest = diff_id)', async () => {
    const dir = await tmp();
    const layers = [await randomTar(3000), await randomTar(5000)];
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => digestOf(l)) } }));
    const cfgName = `${digestOf(config).slice(7)}.json`;
    const manifestJson = [{ Config: cfgName, RepoTags: ['busybox:latest'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }];
    await tarFile(join(dir, 'save.tar'), [
      ['aaa/layer.tar', layers[0]!], ['bbb/layer.tar', layers[1]!], [cfgName, config],
      ['manifest.json', Buffer.from(JSON.stringify(manifestJson))], ['repositories', Buffer.from('{}')],
    ]);
    const { target, format } = await openLocalSource(join(dir, 'save.tar'));
    expect(format).toBe('docker-archive');
    expect(target).toBeInstanceOf(DockerArchiveReader);
    for (const ref of ['busybox:latest', 'latest', 'docker.io/library/busybox:latest', '']) {
      const root = await target.resolve(ref);
      const m = parseManifest(await readCapped(await target.fetch(root), 1 << 20));
      expect(m.kind).toBe('image');
      if (m.kind !== 'image') return;
      expect(m.manifest.layers.map((l) => l.digest)).toEqual(layers.map((l) => digestOf(l)));
      expect(m.manifest.config.digest).toBe(digestOf(config));
    }
    const root = await target.resolve('');
    const m = parseManifest(await readCapped(await target.fetch(root), 1 << 20));
    if (m.kind === 'image') expect(await readCapped(await target.fetch(m.manifest.layers[1]!), 1 << 20)).toEqual(layers[1]);
  });

  it('parses local specs: DIR:tag, DIR@digest, FILE.tar:name:tag', async () => {
    const dir = await tmp();
    expect(await parseLocalSpec(`${dir}/out:v1`)).toEqual({ path: `${dir}/out`, reference: 'v1' });
    const d = digestOf('x');
    expect(await parseLocalSpec(`${dir}/out@${d}`)).toEqual({ path: `${dir}/out`, reference: d });
    expect(await parseLocalSpec(`${dir}/a.tar:repo/x:1`)).toEqual({ path: `${dir}/a.tar`, reference: 'repo/x:1' });
    expect(await parseLocalSpec(`oci-archive:${dir}/b.tar`)).toEqual({ path: `${dir}/b.tar`, reference: '', format: 'oci-archive' });
    expect(existsSync(dir)).toBe(true);
  });
});
