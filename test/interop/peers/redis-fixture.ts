import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RedisPeer, startRedis } from './redis.js';

/**
 * One redis-server for a test file (started before its tests, stopped by PID after them) and a
 * factory of connections to it, each standing for one "instance"; all are closed after the file.
 */
export function sharedRedis(): { conn(): Redis } {
  let redis: RedisPeer | undefined;
  const conns: Redis[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  }, 120_000);
  afterAll(async () => {
    for (const c of conns) c.disconnect();
    await redis?.stop();
  });
  return {
    conn(): Redis {
      if (!redis) throw new Error('sharedRedis: redis-server is not running yet (call conn() inside a test)');
      const c = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
      conns.push(c);
      return c;
    },
  };
}
