import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Lease } from '../driver/cached/redis-lock.js';
import type { DigestGuard } from './guard.js';

const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS: touched zset, deletion marker. ARGV: digest. Records the touch (Redis clock), answers whether a deletion runs.
const TOUCH = `${NOW}
redis.call('ZADD', KEYS[1], now, ARGV[1])
return redis.call('EXISTS', KEYS[2])`;

// KEYS: touched zset, deletion marker, lease key. ARGV: digest, age of `since` (ms), margin, marker ttl, lease token ('' = none).
// -1: lease lost (fenced); 0: refused (touched since, or already being deleted); 1: marker set, go ahead.
const BEGIN_DELETE = `
if ARGV[5] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[5] then return -1 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score then
  ${NOW}
  if tonumber(score) >= now - tonumber(ARGV[2]) - tonumber(ARGV[3]) then return 0 end
end
redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[4]))
return 1`;

// KEYS: touched zset. ARGV: age of `before` (ms), margin.
const PRUNE = `${NOW}
return redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[1]) - tonumber(ARGV[2])))`;

/**
 * The online-GC guard shared by every instance through Redis (GcGuard's protocol, cross-process).
 *
 * A touch adds the digest to a sorted set scored by Redis's clock and, in the same script, checks
 * for a deletion marker; the collector, in one script, refuses a digest touched at or after
 * `since` (translated to Redis's clock by its age, minus a safety margin) and otherwise sets the
 * marker before deleting. Both steps are atomic in Redis, so either the touch came first (the
 * collector refuses) or the marker did (the toucher waits until the deletion ends, then sees the
 * blob gone). A touch that cannot reach Redis fails the request: safety over availability.
 */
export class RedisGcGuard implements DigestGuard {
  private readonly touched: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'dist:gc:',
    private readonly lease?: Lease,
    private readonly marginMs = 1000,
    private readonly markerTtlMs = 30_000,
  ) {
    this.touched = `${prefix}touched`;
  }

  private marker(digest: string): string {
    return `${this.prefix}deleting:${digest}`;
  }

  /** The same guard, whose deletions also require `lease` to be still held (a stale collector is fenced off). */
  fenced(lease: Lease): RedisGcGuard {
    return new RedisGcGuard(this.redis, this.prefix, lease, this.marginMs, this.markerTtlMs);
  }

  touch(digest: string): Promise<void> {
    return (async () => {
      for (;;) {
        const deleting = (await this.redis.eval(TOUCH, 2, this.touched, this.marker(digest), digest)) as number;
        if (!deleting) return;
        // a collector is deleting it right now: wait for the end, then touch again (and see it gone)
        while ((await this.redis.exists(this.marker(digest))) === 1) await sleep(25);
      }
    })();
  }

  async tryDelete(digest: string, since: number, fn: () => Promise<void>): Promise<boolean> {
    const age = Math.max(0, Date.now() - since);
    let r: number;
    try {
      r = (await this.redis.eval(BEGIN_DELETE, 3, this.touched, this.marker(digest), this.lease?.key ?? `${this.prefix}no-lease`,
        digest, age, this.marginMs, this.markerTtlMs, this.lease?.token ?? '')) as number;
    } catch {
      return false; // cannot coordinate: delete nothing
    }
    if (r !== 1) return false;
    try {
      await fn();
      return true;
    } finally {
      await this.redis.del(this.marker(digest)).catch(() => undefined);
    }
  }

  prune(before: number): void {
    this.redis.eval(PRUNE, 1, this.touched, Math.max(0, Date.now() - before), this.marginMs).catch(() => undefined);
  }
}
