import { Redis } from 'ioredis';
import { type RedisConfig, redisOptions } from './redis-config.js';

/** The generations an entry was read under; a later set succeeds only if they still hold. */
export interface Stamp {
  path: string;
  global: string;
}

/** A shared cache of small facts about storage paths, safe against a concurrent invalidation. */
export interface PathCache {
  get(kind: string, path: string): Promise<{ value?: string; stamp: Stamp }>;
  set(kind: string, path: string, stamp: Stamp, value: string): Promise<void>;
  /** After a write/move of `path`: no instance may answer from an older entry for it. */
  invalidatePath(path: string, kinds: readonly string[]): Promise<void>;
  /** After a (tree) delete: every entry becomes invalid. */
  invalidateAll(): Promise<void>;
  close(): Promise<void>;
}

// KEYS: entry, path generation, global generation. ARGV: stamp.path, stamp.global, value, ttl, genTtl.
const CAS_SET = `
local p = redis.call('GET', KEYS[2]) or ''
local g = redis.call('GET', KEYS[3]) or ''
if p ~= ARGV[1] or g ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'EX', tonumber(ARGV[4]))
if p ~= '' then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5])) end
return 1`;

/**
 * Redis-backed PathCache. Each entry carries the per-path and global generations it was read
 * under; writers bump the path generation, deletes the global one, so a reader racing with a
 * writer can never store (or serve) a value older than the write. Generation keys outlive
 * entries (genTtl > ttl, refreshed on use) so a recreated generation cannot revive an old entry.
 */
export class RedisPathCache implements PathCache {
  readonly redis: Redis;
  constructor(config: RedisConfig, private readonly prefix = 'dist:', private readonly ttl = 24 * 3600, private readonly genTtl = 7 * 24 * 3600) {
    this.redis = new Redis(redisOptions(config));
    // Connection errors surface as failed commands (reads fall back to the store); keep the last one.
    this.redis.on('error', (e: Error) => {
      this.lastError = e;
    });
  }
  lastError: Error | undefined;

  private k(kind: string, path: string): string {
    return `${this.prefix}${kind}:${path}`;
  }

  async get(kind: string, path: string): Promise<{ value?: string; stamp: Stamp }> {
    const [e, p, g] = await this.redis.mget(this.k(kind, path), this.k('gen', path), `${this.prefix}gen`);
    const stamp = { path: p ?? '', global: g ?? '' };
    if (!e) return { stamp };
    const sep1 = e.indexOf('|');
    const sep2 = e.indexOf('|', sep1 + 1);
    if (sep1 < 0 || sep2 < 0 || e.slice(0, sep1) !== stamp.path || e.slice(sep1 + 1, sep2) !== stamp.global) return { stamp };
    return { value: e.slice(sep2 + 1), stamp };
  }

  async set(kind: string, path: string, stamp: Stamp, value: string): Promise<void> {
    const entry = `${stamp.path}|${stamp.global}|${value}`;
    await this.redis.eval(CAS_SET, 3, this.k(kind, path), this.k('gen', path), `${this.prefix}gen`, stamp.path, stamp.global, entry, this.ttl, this.genTtl);
  }

  async invalidatePath(path: string, kinds: readonly string[]): Promise<void> {
    const m = this.redis.multi().incr(this.k('gen', path)).expire(this.k('gen', path), this.genTtl);
    for (const kind of kinds) m.del(this.k(kind, path));
    const res = await m.exec();
    const failed = res?.find(([err]) => err);
    if (!res || failed) throw failed?.[0] ?? new Error('redis: invalidation transaction aborted');
  }

  async invalidateAll(): Promise<void> {
    await this.redis.incr(`${this.prefix}gen`);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
