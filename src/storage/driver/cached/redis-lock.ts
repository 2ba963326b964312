import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A held lease: `key` holds `token` while it is ours (checked inside Redis scripts to fence stale holders). */
export interface Lease {
  key: string;
  token: string;
}

/** Run `fn` only if no other instance runs work of the same `name`; undefined when it did not run. */
export type Exclusive = <T>(name: string, fn: (lease?: Lease) => Promise<T>) => Promise<T | undefined>;

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * A lease in Redis (SET NX PX, renewed while the work runs, released by owner only), so periodic
 * jobs such as online GC run on one instance at a time. If this instance stalls past the lease,
 * another may start: `fn` gets the lease so Redis-side writes can check it is still held (fencing).
 * Redis errors mean "not acquired".
 */
export class RedisLock {
  constructor(private readonly redis: Redis, private readonly prefix = 'dist:lock:', private readonly leaseMs = 60_000) {}

  readonly exclusive: Exclusive = async <T>(name: string, fn: (lease?: Lease) => Promise<T>): Promise<T | undefined> => {
    const key = `${this.prefix}${name}`;
    const token = randomUUID();
    let ok: string | null;
    try {
      ok = await this.redis.set(key, token, 'PX', this.leaseMs, 'NX');
    } catch {
      return undefined;
    }
    if (ok !== 'OK') return undefined;
    const renew = setInterval(() => {
      this.redis.eval(RENEW, 1, key, token, this.leaseMs).catch(() => undefined);
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    renew.unref();
    try {
      return await fn({ key, token });
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  };
}
