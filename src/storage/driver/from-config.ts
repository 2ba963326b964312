import { UsageError } from '../../errors/errors.js';
import { FilesystemDriver } from './filesystem.js';
import type { StorageDriver } from './driver.js';
import type { Redis } from 'ioredis';
import type { Exclusive } from './cached/redis-lock.js';

/** Which storage a `dist serve` instance uses, from distribution's config keys. */
export interface DriverConfig {
  /** storage.filesystem.rootdirectory (used when no other driver is configured). */
  dir: string;
  /** storage.s3 parameters: selects the S3 driver. */
  s3?: Record<string, unknown>;
  /** The top-level `redis` section. */
  redis?: Record<string, unknown>;
  /** storage.cache.blobdescriptor: `redis` wraps the driver in the shared Redis cache. */
  blobDescriptorCache?: string;
}

export interface OpenedDriver {
  driver: StorageDriver;
  /** Human-readable summary for the startup line. */
  description: string;
  /** With `redis.addr`: run periodic work (online GC, upload purging) on one instance at a time. */
  exclusive?: Exclusive;
  /** With `redis.addr`: the shared connection (notification queues, online-GC guard). */
  redis?: Redis;
  /** Release sockets (S3 client, Redis connection). */
  close(): Promise<void>;
}

/**
 * Build the driver: S3 when `storage.s3` is set, else the filesystem; wrapped in the Redis
 * blob-descriptor cache when `storage.cache.blobdescriptor: redis` (distribution's switch) and
 * `redis.addr` are set; with `redis.addr`, also a Redis lease for one-at-a-time periodic work.
 * Heavy modules (AWS SDK, ioredis) load only when configured.
 */
export async function openDriver(c: DriverConfig): Promise<OpenedDriver> {
  let driver: StorageDriver;
  let description: string;
  const closers: Array<() => Promise<void>> = [];
  const cacheKind = c.blobDescriptorCache?.toLowerCase();
  if (cacheKind === 'redis' && !c.redis?.addr) throw new UsageError('storage.cache.blobdescriptor is redis but redis.addr is not set');
  if (c.s3) {
    const { S3Driver } = await import('./s3.js');
    const s3 = S3Driver.fromParameters(c.s3);
    driver = s3;
    description = `s3 bucket ${s3.options.bucket}${s3.options.rootDirectory ? `/${s3.options.rootDirectory}` : ''}`;
    closers.push(async () => s3.destroy());
  } else {
    driver = new FilesystemDriver(c.dir);
    description = c.dir;
  }
  let exclusive: Exclusive | undefined;
  let redis: Redis | undefined;
  if (c.redis?.addr) {
    const { parseRedisConfig } = await import('./cached/redis-config.js');
    const { RedisPathCache } = await import('./cached/redis-cache.js');
    const { RedisLock } = await import('./cached/redis-lock.js');
    const rc = parseRedisConfig(c.redis);
    const cache = new RedisPathCache(rc);
    exclusive = new RedisLock(cache.redis).exclusive;
    redis = cache.redis;
    closers.push(() => cache.close());
    if (cacheKind === 'redis') {
      const { CachingDriver } = await import('./cached/caching-driver.js');
      driver = new CachingDriver(driver, cache);
      description += ` (redis cache ${rc.host}:${rc.port}/${rc.db})`;
    }
  }
  return {
    driver,
    description,
    exclusive,
    redis,
    async close() {
      for (const f of closers) await f().catch(() => undefined);
    },
  };
}

/**
 * distribution's environment overrides for a parameter section: `PREFIX<KEY>` (e.g.
 * `REGISTRY_STORAGE_S3_SECRETKEY`, `REGISTRY_REDIS_PASSWORD`) sets the lower-cased key, and wins
 * over the file. A section absent from the file exists when any of its variables is set.
 */
export function withEnvOverrides(section: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv, prefix: string): Record<string, unknown> | undefined {
  const over: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && k.startsWith(prefix) && /^[A-Z0-9]+$/.test(k.slice(prefix.length))) over[k.slice(prefix.length).toLowerCase()] = v;
  }
  if (!section && Object.keys(over).length === 0) return undefined;
  return { ...(section ?? {}), ...over };
}
