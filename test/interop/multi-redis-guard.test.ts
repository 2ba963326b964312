import { randomBytes } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../src/digest/digest.js';
import type { StorageDriver } from '../../src/storage/driver/driver.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { RedisLock } from '../../src/storage/driver/cached/redis-lock.js';
import { collectGarbage } from '../../src/storage/gc.js';
import { GcGuard } from '../../src/storage/gc/guard.js';
import { GuardedDriver } from '../../src/storage/gc/guarded-driver.js';
import { RedisGcGuard } from '../../src/storage/gc/redis-guard.js';
import { paths } from '../../src/storage/paths.js';
import { tempDir } from '../helpers/temp.js';
import { blobExists, putBlob } from '../team/gc-fixture.js';
import { sharedRedis } from './peers/redis-fixture.js';

// Two "instances" = two Redis connections and two guards over one shared filesystem data dir.
const { conn } = sharedRedis();


/** The collector's raw driver, calling `before(path)` ahead of every stat and delete (to interleave the other instance). */
function hooked(inner: StorageDriver, hooks: { stat?: (p: string) => Promise<void>; del?: (p: string) => Promise<void> }): StorageDriver {
  return Object.assign(Object.create(inner) as StorageDriver, {
    stat: async (p: string) => { await hooks.stat?.(p); return inner.stat(p); },
    delete: async (p: string) => { await hooks.del?.(p); return inner.delete(p); },
  });
}

describe('online GC across instances through Redis', () => {
  it('a blob instance A uses after B marked it is not deleted by B; with per-process guards it would be', async () => {
    const run = async (guards: { a: GcGuard | RedisGcGuard; b: GcGuard | RedisGcGuard }): Promise<{ used: Digest; orphan: Digest; deleted: Digest[] }> => {
      const root = tempDir();
      const raw = new FilesystemDriver(root);
      const used = await putBlob(raw, randomBytes(64));
      const orphan = await putBlob(raw, randomBytes(64));
      const old = new Date(Date.now() - 3600_000); // both written long ago: the grace period alone protects neither
      for (const d of [used, orphan]) utimesSync(join(root, paths.blobData(d)), old, old);
      const servedByA = new GuardedDriver(raw, guards.a);
      let done = false;
      // B's sweep checks `used` just before deleting it: exactly then, A serves a request naming it (a manifest PUT's check)
      const collector = hooked(raw, {
        stat: async (p) => {
          if (!done && p === paths.blobData(used)) {
            done = true;
            await servedByA.stat(paths.blobData(used));
          }
        },
      });
      const r = await collectGarbage(collector, { guard: guards.b, gracePeriodMs: 60_000 });
      return { used, orphan, deleted: r.deleted };
    };
    const shared = await run({ a: new RedisGcGuard(conn(), 't1:'), b: new RedisGcGuard(conn(), 't1:') });
    expect(shared.deleted).toEqual([shared.orphan]);
    const local = await run({ a: new GcGuard(), b: new GcGuard() });
    expect([...local.deleted].sort()).toEqual([local.used, local.orphan].sort());
  });

  it('a request on A naming a blob B is deleting waits for the deletion and then sees it gone', async () => {
    const raw = new FilesystemDriver(tempDir());
    const d = await putBlob(raw, randomBytes(64));
    const a = new GuardedDriver(raw, new RedisGcGuard(conn(), 't2:'));
    const b = new RedisGcGuard(conn(), 't2:');
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let entered!: () => void;
    const inside = new Promise<void>((r) => { entered = r; });
    const deletion = b.tryDelete(d, Date.now(), async () => { entered(); await gate; await raw.delete(paths.blobDir(d)); });
    await inside;
    const seen = a.stat(paths.blobData(d)).then(() => 'exists', () => 'missing');
    await new Promise((r) => setTimeout(r, 150));
    expect(await blobExists(raw, d)).toBe(true); // A is still waiting, B still holds the marker
    release();
    expect(await deletion).toBe(true);
    expect(await seen).toBe('missing');
    // A's touch (after the deletion) now refuses another attempt
    expect(await b.tryDelete(d, Date.now() - 1000, async () => {})).toBe(false);
  });

  it('a collector whose GC lease was taken over is fenced: it deletes nothing', async () => {
    const raw = new FilesystemDriver(tempDir());
    const orphan = await putBlob(raw, randomBytes(64));
    const c = conn();
    const guard = new RedisGcGuard(c, 't3:');
    const lock = new RedisLock(c, 't3:lock:', 60_000);
    const r = await lock.exclusive('gc', async (lease) => {
      await c.set(lease!.key, 'someone-else'); // our lease expired and another instance holds it now
      return collectGarbage(raw, { guard: guard.fenced(lease!) });
    });
    expect(r!.eligible).toEqual([orphan]);
    expect(r!.deleted).toEqual([]);
    expect(await blobExists(raw, orphan)).toBe(true);
    // holding the lease, the same collection deletes it
    await c.del('t3:lock:gc');
    const r2 = await lock.exclusive('gc', (lease) => collectGarbage(raw, { guard: guard.fenced(lease!) }));
    expect(r2!.deleted).toEqual([orphan]);
  });
});
