import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Maintenance } from '../../src/server/maintenance.js';
import { memoryLogger } from '../../src/server/observe/log.js';
import { RedisLock } from '../../src/storage/driver/cached/redis-lock.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { GcGuard } from '../../src/storage/gc/guard.js';
import { type RedisPeer, startRedis } from './peers/redis.js';

let redis: RedisPeer;
const conns: Redis[] = [];
const dirs: string[] = [];
const conn = (): Redis => {
  const c = new Redis({ host: '127.0.0.1', port: redis.port });
  conns.push(c);
  return c;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of conns) c.disconnect();
  await redis?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Redis lease for one-at-a-time work across instances', () => {
  it('lets one holder run, renews the lease while it runs, and releases it after', async () => {
    const a = new RedisLock(conn(), 'lt1:', 150);
    const b = new RedisLock(conn(), 'lt1:', 150);
    let ran = 0;
    const long = a.exclusive('gc', async () => {
      await sleep(600); // four lease lengths: only renewal keeps b out
      ran++;
      return 'a';
    });
    await sleep(50);
    for (let i = 0; i < 5; i++) {
      expect(await b.exclusive('gc', async () => 'b')).toBeUndefined();
      await sleep(100);
    }
    expect(await long).toBe('a');
    expect(ran).toBe(1);
    expect(await b.exclusive('gc', async () => 'b')).toBe('b');
    expect(await a.exclusive('other', async () => 1)).toBe(1); // names are independent
  });

  it('two instances running online GC at the same moment: one collects, the other skips', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dist-lock-'));
    dirs.push(dir);
    const driver = new FilesystemDriver(dir);
    await driver.putContent('/docker/registry/v2/repositories/r/_layers/x', Buffer.from('x'));
    const gc = { intervalMs: 3_600_000, graceMs: 0, deleteUntagged: false, dryRun: true };
    const m = [0, 1].map(() => new Maintenance({ driver, guard: new GcGuard(), gc, log: memoryLogger(), exclusive: new RedisLock(conn(), 'lt2:').exclusive }));
    const reports = await Promise.all(m.map((x) => x.collect()));
    expect(reports.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await m[1]!.collect()).toBeDefined(); // the lease was released
  });
});
