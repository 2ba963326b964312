import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { digestOf, type Digest } from '../../src/digest/digest.js';
import { RegistryError } from '../../src/errors/errors.js';
import { ContentCache } from '../../src/storage/content-cache.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { paths } from '../../src/storage/paths.js';
import { RegistryStorage } from '../../src/storage/registry-storage.js';
import { tempDir } from '../helpers/temp.js';

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const code = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(() => undefined, (e: unknown) => (e instanceof RegistryError ? e.code : String(e)));

async function pushImage(s: RegistryStorage, name: string): Promise<{ digest: Digest; bytes: Buffer }> {
  const config = randomBytes(100);
  const up = await s.uploads.create(name);
  await s.uploads.append(name, up.id, Readable.from([config]));
  await s.uploads.finish(name, up.id, digestOf(config));
  const bytes = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
    layers: [],
  }));
  const stored = await s.manifests.put(name, bytes, OCI, undefined, 'v1');
  await s.tags.tag(name, 'v1', stored.digest);
  return { digest: stored.digest, bytes };
}

describe('ContentCache', () => {
  it('evicts the least recently used entries to stay within its byte bound; refuses items over a quarter of it', () => {
    const c = new ContentCache<string>(400);
    c.set('a', 'A', 100);
    c.set('b', 'B', 100);
    c.set('c', 'C', 100);
    expect(c.get('a')).toBe('A'); // a is now the most recent
    c.set('d', 'D', 100);
    c.set('e', 'E', 100); // over 400: b (least recent) goes
    expect(c.get('b')).toBeUndefined();
    expect([c.get('a'), c.get('c'), c.get('d'), c.get('e')]).toEqual(['A', 'C', 'D', 'E']);
    expect(c.bytes).toBe(400);
    c.set('big', 'X', 101);
    expect(c.get('big')).toBeUndefined();
    c.delete('a');
    expect(c.get('a')).toBeUndefined();
    expect(c.bytes).toBe(300);
    const off = new ContentCache<string>(0);
    off.set('a', 'A', 1);
    expect(off.get('a')).toBeUndefined();
  });
});

describe('manifest content cache', () => {
  it('a deleted manifest is never served from the cache (same process, or another one sharing the storage)', async () => {
    const dir = await tempDir();
    const a = new RegistryStorage(new FilesystemDriver(dir));
    const b = new RegistryStorage(new FilesystemDriver(dir)); // a second registry process on the same storage
    const one = await pushImage(a, 'cache/one');
    const two = await pushImage(a, 'cache/two');
    for (const s of [a, b]) {
      expect((await s.manifests.get('cache/one', one.digest)).bytes.equals(one.bytes)).toBe(true);
      expect((await s.manifests.get('cache/two', two.digest)).bytes.equals(two.bytes)).toBe(true);
    }
    // served from the cache now: the stored bytes are not read again
    await new FilesystemDriver(dir).delete(paths.blobData(one.digest));
    expect((await a.manifests.get('cache/one', one.digest)).bytes.equals(one.bytes)).toBe(true);
    // deleted through this process
    await a.deleteManifest('cache/one', one.digest);
    expect(await code(a.manifests.get('cache/one', one.digest))).toBe('MANIFEST_UNKNOWN');
    expect(await code(a.tags.resolve('cache/one', 'v1'))).toBe('MANIFEST_UNKNOWN');
    // deleted by the other process: this one (which cached it) answers unknown too
    await b.deleteManifest('cache/two', two.digest);
    expect(await code(a.manifests.get('cache/two', two.digest))).toBe('MANIFEST_UNKNOWN');
    // cached content is never visible in a repository that does not link it
    expect(await code(b.manifests.get('cache/other', two.digest))).toBe('MANIFEST_UNKNOWN');
  });
});
