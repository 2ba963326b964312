import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseRedisConfig, RedisConfigError, redisOptions } from '../../src/storage/driver/cached/redis-config.js';

describe('redis config (distribution keys)', () => {
  it('parses addr, password, db, durations, pool and tls', () => {
    const c = parseRedisConfig({
      addr: 'localhost:6379', password: 'pw', db: 2, dialtimeout: '10ms', readtimeout: '1m30s',
      pool: { maxidle: 16, maxactive: 64, idletimeout: '300s' }, tls: { enabled: true },
    });
    expect(c).toMatchObject({ host: 'localhost', port: 6379, password: 'pw', db: 2, dialTimeoutMs: 10, readTimeoutMs: 90_000, tls: true });
    expect(c.pool).toEqual({ maxIdle: 16, maxActive: 64, idleTimeoutMs: 300_000 });
    const o = redisOptions(c);
    expect(o).toMatchObject({ host: 'localhost', port: 6379, password: 'pw', db: 2, tls: { servername: 'localhost' } });
    expect(redisOptions(parseRedisConfig({ addr: '[::1]:7000' }))).toMatchObject({ host: '::1', port: 7000, db: 0, tls: undefined });
  });

  it('rejects a bad addr, db or duration', () => {
    expect(() => parseRedisConfig({ addr: 'nohost' })).toThrow(RedisConfigError);
    expect(() => parseRedisConfig({ addr: 'h:1', db: -1 })).toThrow(/db/);
    expect(() => parseGoDuration('10 parsecs', 'x')).toThrow(/duration/);
    expect(parseGoDuration(5_000_000, 'x')).toBe(5);
  });
});
