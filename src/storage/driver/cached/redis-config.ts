import type { RedisOptions } from 'ioredis';
import { UsageError } from '../../../errors/errors.js';

/** distribution's top-level `redis` section, parsed. */
export interface RedisConfig {
  host: string;
  port: number;
  password?: string;
  db: number;
  dialTimeoutMs?: number;
  /** readtimeout/writetimeout: parsed, not applied (a timed-out invalidation would fail a delete). */
  readTimeoutMs?: number;
  tls: boolean;
  /** pool.maxidle / maxactive / idletimeout: accepted for compatibility; ioredis pipelines one connection. */
  pool: { maxIdle?: number; maxActive?: number; idleTimeoutMs?: number };
}

export class RedisConfigError extends UsageError {}

/** Go durations as distribution writes them (`10ms`, `5s`, `1m30s`), or plain nanoseconds. */
export function parseGoDuration(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return v / 1e6;
  const s = String(v).trim();
  if (/^\d+$/.test(s)) return Number(s) / 1e6;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = s;
  while (rest.length) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new RedisConfigError(`redis.${name}: bad duration ${JSON.stringify(v)}`);
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

function num(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new RedisConfigError(`redis.${name}: expected a non-negative integer`);
  return n;
}

/** Parse `redis: { addr, password, db, dialtimeout, readtimeout, writetimeout, pool: {…}, tls: { enabled } }`. */
export function parseRedisConfig(raw: Record<string, unknown>): RedisConfig {
  const addr = typeof raw.addr === 'string' ? raw.addr : '';
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(addr);
  if (!m) throw new RedisConfigError(`redis.addr must be host:port, got ${JSON.stringify(raw.addr)}`);
  const pool = (raw.pool && typeof raw.pool === 'object' ? raw.pool : {}) as Record<string, unknown>;
  const tls = (raw.tls && typeof raw.tls === 'object' ? raw.tls : {}) as Record<string, unknown>;
  return {
    host: (m[1] ?? m[2])!,
    port: Number(m[3]),
    password: typeof raw.password === 'string' && raw.password ? raw.password : undefined,
    db: num(raw.db, 'db') ?? 0,
    dialTimeoutMs: parseGoDuration(raw.dialtimeout, 'dialtimeout'),
    readTimeoutMs: parseGoDuration(raw.readtimeout, 'readtimeout'),
    tls: tls.enabled === true || tls.enabled === 'true',
    pool: {
      maxIdle: num(pool.maxidle, 'pool.maxidle'),
      maxActive: num(pool.maxactive, 'pool.maxactive'),
      idleTimeoutMs: parseGoDuration(pool.idletimeout, 'pool.idletimeout'),
    },
  };
}

/** ioredis options for a config. Commands fail (not hang) after a few reconnect attempts. */
export function redisOptions(c: RedisConfig): RedisOptions {
  return {
    host: c.host,
    port: c.port,
    password: c.password,
    db: c.db,
    // distribution's sample config says dialtimeout 10ms; on a shared loopback machine that flakes.
    connectTimeout: Math.max(1000, Math.round(c.dialTimeoutMs ?? 10_000)),
    tls: c.tls ? { servername: c.host } : undefined,
    maxRetriesPerRequest: 2,
    lazyConnect: true,
    enableOfflineQueue: true,
  };
}
