import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { digestOf, type Digest } from '../../src/digest/digest.js';
import { RegistryError } from '../../src/errors/errors.js';
import type { StorageDriver } from '../../src/storage/driver/driver.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { MemoryDriver } from '../../src/storage/driver/memory.js';
import { RegistryStorage } from '../../src/storage/registry-storage.js';
import { tempDir } from '../helpers/temp.js';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const code = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(() => undefined, (e: unknown) => (e instanceof RegistryError ? e.code : String(e)));

async function pushBlob(s: RegistryStorage, name: string, data: Buffer): Promise<Digest> {
  const up = await s.uploads.create(name);
  await s.uploads.append(name, up.id, Readable.from([data]));
  return (await s.uploads.finish(name, up.id, digestOf(data))).digest;
}

function manifestOf(config: Buffer, layers: Buffer[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(l), size: l.length })),
    ...extra,
  }));
}

function suite(label: string, make: () => Promise<StorageDriver>): void {
  describe(`storage services on ${label}`, () => {
    it('uploads: create, append in pieces, status, finish links the blob; digest mismatch keeps the upload', async () => {
      const s = new RegistryStorage(await make());
      const data = randomBytes(10_000);
      const up = await s.uploads.create('a/b');
      await s.uploads.append('a/b', up.id, Readable.from([data.subarray(0, 4000)]));
      expect((await s.uploads.status('a/b', up.id)).size).toBe(4000);
      expect(await code(s.uploads.append('a/b', up.id, Readable.from([data.subarray(5000)]), { start: 5000 }))).toBe('RANGE_INVALID');
      await s.uploads.append('a/b', up.id, Readable.from([data.subarray(4000)]), { start: 4000, length: 6000 });
      expect(await code(s.uploads.finish('a/b', up.id, digestOf('wrong')))).toBe('DIGEST_INVALID');
      const done = await s.uploads.finish('a/b', up.id, digestOf(data));
      expect(done.size).toBe(10_000);
      expect(await s.repoBlobs.size('a/b', digestOf(data))).toBe(10_000);
      expect(await s.repoBlobs.size('c/d', digestOf(data))).toBeUndefined();
      expect(await code(s.uploads.status('a/b', up.id))).toBe('BLOB_UPLOAD_UNKNOWN');
      const chunks: Buffer[] = [];
      for await (const c of await s.blobs.reader(digestOf(data), 9000)) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).equals(data.subarray(9000))).toBe(true);
    });

    it('uploads re-hash after a restart (a fresh service over the same driver)', async () => {
      const driver = await make();
      const data = randomBytes(5000);
      const s1 = new RegistryStorage(driver);
      const up = await s1.uploads.create('r/s');
      await s1.uploads.append('r/s', up.id, Readable.from([data.subarray(0, 2000)]));
      const s2 = new RegistryStorage(driver);
      await s2.uploads.append('r/s', up.id, Readable.from([data.subarray(2000)]), { start: 2000 });
      expect((await s2.uploads.finish('r/s', up.id, digestOf(data))).digest).toBe(digestOf(data));
    });

    it('unknown or hostile upload ids are BLOB_UPLOAD_UNKNOWN', async () => {
      const s = new RegistryStorage(await make());
      for (const id of ['nope', '..', '../x', 'a/b', '']) expect(await code(s.uploads.status('a/b', id))).toBe('BLOB_UPLOAD_UNKNOWN');
    });

    it('manifests: validate references, store exact bytes, tag, list, delete with untagging', async () => {
      const s = new RegistryStorage(await make());
      const config = Buffer.from('{"os":"linux"}');
      const layer = randomBytes(100);
      const m = manifestOf(config, [layer]);
      expect(await code(s.manifests.put('m/n', m, OCI))).toBe('MANIFEST_BLOB_UNKNOWN');
      await pushBlob(s, 'm/n', config);
      await pushBlob(s, 'm/n', layer);
      expect(await code(s.manifests.put('m/n', m, OCI, digestOf('x')))).toBe('DIGEST_INVALID');
      const stored = await s.manifests.put('m/n', m, OCI);
      expect(stored.digest).toBe(digestOf(m));
      await s.tags.tag('m/n', 'v1', stored.digest);
      await s.tags.tag('m/n', 'v2', stored.digest);
      expect(await s.tags.list('m/n')).toEqual(['v1', 'v2']);
      expect(await s.tags.resolve('m/n', 'v1')).toBe(stored.digest);
      const got = await s.manifests.get('m/n', stored.digest);
      expect(got.bytes.equals(m)).toBe(true);
      expect(got.mediaType).toBe(OCI);
      expect(await s.manifests.revisions('m/n')).toEqual([stored.digest]);
      expect(await s.deleteManifest('m/n', stored.digest)).toEqual(['v1', 'v2']);
      expect(await s.tags.list('m/n')).toEqual([]);
      expect(await code(s.manifests.get('m/n', stored.digest))).toBe('MANIFEST_UNKNOWN');
      expect(await code(s.tags.list('x/y'))).toBe('NAME_UNKNOWN');
    });

    it('catalog and referrers', async () => {
      const s = new RegistryStorage(await make());
      const config = Buffer.from('{}');
      for (const r of ['b', 'a/x', 'a/x/y']) {
        await pushBlob(s, r, config);
        await s.manifests.put(r, manifestOf(config, []), OCI);
      }
      expect(await s.catalog.all()).toEqual(['a/x', 'a/x/y', 'b']);
      expect(await s.catalog.page(2)).toEqual({ repositories: ['a/x', 'a/x/y'], more: true });
      expect(await s.catalog.page(2, 'a/x/y')).toEqual({ repositories: ['b'], more: false });
      const subject = digestOf(manifestOf(config, []));
      const ref = manifestOf(config, [], { artifactType: 'x/sig', subject: { mediaType: OCI, digest: subject, size: 1 } });
      await s.manifests.put('b', ref, OCI);
      expect(await s.referrers.list('b', subject)).toEqual([{ mediaType: OCI, digest: digestOf(ref), size: ref.length, artifactType: 'x/sig' }]);
      expect(await s.referrers.list('b', subject, 'x/other')).toEqual([]);
    });

    it('blob links: unlink hides the blob from the repository only', async () => {
      const s = new RegistryStorage(await make());
      const d = await pushBlob(s, 'l/a', Buffer.from('shared'));
      await s.repoBlobs.link('l/b', d);
      await s.repoBlobs.unlink('l/a', d);
      expect(await s.repoBlobs.size('l/a', d)).toBeUndefined();
      expect(await s.repoBlobs.size('l/b', d)).toBe(6);
      expect(await code(s.repoBlobs.unlink('l/a', d))).toBe('BLOB_UNKNOWN');
    });
  });
}

suite('filesystem', async () => new FilesystemDriver(tempDir('dist-svc-')));
suite('inmemory', async () => new MemoryDriver());
