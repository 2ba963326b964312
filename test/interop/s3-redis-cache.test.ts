import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathNotFoundError } from '../../src/storage/driver/driver.js';
import { CachingDriver } from '../../src/storage/driver/cached/caching-driver.js';
import { RedisPathCache } from '../../src/storage/driver/cached/redis-cache.js';
import { parseRedisConfig } from '../../src/storage/driver/cached/redis-config.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { MemoryDriver } from '../../src/storage/driver/memory.js';
import { driverConformance } from '../storage/driver-conformance.js';
import { type RedisPeer, startRedis } from './peers/redis.js';

let redis: RedisPeer;
const caches: RedisPathCache[] = [];
const dirs: string[] = [];
let ns = 0;

function cache(prefix = `t${process.pid}-${++ns}:`): RedisPathCache {
  const c = new RedisPathCache(parseRedisConfig({ addr: redis.addr, password: redis.password, db: 1 }), prefix);
  caches.push(c);
  return c;
}

beforeAll(async () => {
  redis = await startRedis({ password: 'redis-secret' });
});
afterAll(async () => {
  for (const c of caches) await c.close();
  await redis?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

driverConformance('redis-cached memory driver', async () => new CachingDriver(new MemoryDriver(), cache()));

describe('redis blob-descriptor cache shared by instances', () => {
  const LINK = '/docker/registry/v2/repositories/a/_manifests/tags/t/current/link';
  const BLOB = '/docker/registry/v2/blobs/sha256/ab/abcd/data';

  function twoInstances(): [CachingDriver, CachingDriver, RedisPathCache, string] {
    const dir = mkdtempSync(join(tmpdir(), 'dist-cache-'));
    dirs.push(dir);
    const prefix = `two${process.pid}-${++ns}:`;
    const ca = cache(prefix);
    return [new CachingDriver(new FilesystemDriver(dir), ca), new CachingDriver(new FilesystemDriver(dir), cache(prefix)), ca, dir];
  }

  it('serves link content and blob sizes from Redis once read (the store is not asked again)', async () => {
    const [a, b, ca, dir] = twoInstances();
    await a.putContent(LINK, Buffer.from('sha256:1111'));
    await a.putContent(BLOB, Buffer.from('12345'));
    expect((await b.getContent(LINK)).toString()).toBe('sha256:1111');
    expect((await b.stat(BLOB)).size).toBe(5);
    expect((await ca.get('content', LINK)).value).toBeDefined();
    // Change the files behind the cache's back (not through a driver): the cache still answers.
    rmSync(join(dir, BLOB));
    expect((await a.stat(BLOB)).size).toBe(5);
  });

  it('a delete through one instance is seen at once by the other', async () => {
    const [a, b] = twoInstances();
    await a.putContent(LINK, Buffer.from('sha256:2222'));
    await a.putContent(BLOB, Buffer.from('xyz'));
    expect((await b.getContent(LINK)).toString()).toBe('sha256:2222');
    expect((await b.stat(BLOB)).size).toBe(3);
    await a.delete('/docker/registry/v2/repositories/a/_manifests/tags/t');
    await a.delete('/docker/registry/v2/blobs/sha256/ab');
    await expect(b.getContent(LINK)).rejects.toBeInstanceOf(PathNotFoundError);
    await expect(b.stat(BLOB)).rejects.toBeInstanceOf(PathNotFoundError);
  });

  it('a tag moved through one instance is read new by the other', async () => {
    const [a, b] = twoInstances();
    await a.putContent(LINK, Buffer.from('sha256:old'));
    expect((await b.getContent(LINK)).toString()).toBe('sha256:old');
    await a.putContent(LINK, Buffer.from('sha256:new'));
    expect((await b.getContent(LINK)).toString()).toBe('sha256:new');
  });

  it('a reader racing with a write cannot store the old value (generation check)', async () => {
    const [a, b, ca] = twoInstances();
    await a.putContent(LINK, Buffer.from('sha256:v1'));
    const { stamp } = await ca.get('content', LINK); // reader took its stamp and read v1 from the store...
    await b.putContent(LINK, Buffer.from('sha256:v2')); // ...a write lands meanwhile...
    await ca.set('content', LINK, stamp, Buffer.from('sha256:v1').toString('base64')); // ...its late set is refused
    expect((await ca.get('content', LINK)).value).toBeUndefined();
    expect((await a.getContent(LINK)).toString()).toBe('sha256:v2');
  });

  it('keeps the local file, flushed count and truncation of the filesystem driver (upload hashing, chunk roll-back)', async () => {
    const [a, , , dir] = twoInstances();
    const UP = '/docker/registry/v2/repositories/a/_uploads/u1/data';
    expect(a.localPath?.(UP)).toBe(join(dir, UP));
    const w = await a.writer(UP);
    await w.write(Buffer.from('0123456789'));
    await w.commit();
    await w.close();
    expect(w.flushed).toBe(10);
    await a.truncate?.(UP, 4);
    expect((await a.getContent(UP)).toString()).toBe('0123');
    expect(new CachingDriver(new MemoryDriver(), cache()).localPath).toBeUndefined(); // only what the inner driver has
  });

  it('falls back to the store when Redis is unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dist-cache-'));
    dirs.push(dir);
    const dead = new RedisPathCache(parseRedisConfig({ addr: '127.0.0.1:1', dialtimeout: '1s' }));
    caches.push(dead);
    const d = new CachingDriver(new FilesystemDriver(dir), dead);
    await new FilesystemDriver(dir).putContent(LINK, Buffer.from('sha256:3'));
    expect((await d.getContent(LINK)).toString()).toBe('sha256:3');
  });
});
