import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLUSH_BEHIND_BYTES, FilesystemDriver, syncFileData } from '../../src/storage/driver/filesystem.js';
import { PathNotFoundError } from '../../src/storage/driver/driver.js';
import { startRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import { makeImage, pushImage, sha } from '../server/util.js';

/** Every sync the driver asks for, with what the file held and what was visible at that moment. */
interface Synced {
  file: string;
  size: number;
  /** The content, for files up to 1 MiB. */
  bytes: Buffer;
  visible: string[];
}

/** The real flush (fdatasync), recorded: which file, its content, and the data files already in place. */
function recordingDriver(root: string): { driver: FilesystemDriver; synced: Synced[] } {
  const synced: Synced[] = [];
  const driver = new FilesystemDriver(root, {
    sync: async (file) => {
      const size = statSync(file).size;
      synced.push({ file: relative(root, file), size, bytes: size <= 1 << 20 ? readFileSync(file) : Buffer.alloc(0), visible: visibleFiles(root) });
      await syncFileData(file);
    },
  });
  return { driver, synced };
}

function visibleFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).filter((f) => !f.endsWith('.tmp') && !f.includes('_uploads'));
}

describe('filesystem driver: data is on disk before it is visible', () => {
  it('putContent flushes the complete temp file before renaming it over the target', async () => {
    const root = tempDir('dist-durable-');
    const { driver, synced } = recordingDriver(root);
    await driver.putContent('/a/link', Buffer.from('first'));
    await driver.putContent('/a/link', Buffer.from('second'));

    expect(synced.map((s) => s.bytes.toString())).toEqual(['first', 'second']);
    expect(synced[0].file).toMatch(/^a\/link\..+\.tmp$/);
    expect(synced[0].visible).not.toContain(join('a', 'link')); // not there before its data is flushed
    expect(readFileSync(join(root, synced[1].visible.find((f) => f.endsWith('link'))!), 'utf8')).toBe('second');
    expect((await driver.getContent('/a/link')).toString()).toBe('second');
  });

  it('move flushes the source before the destination appears', async () => {
    const root = tempDir('dist-durable-');
    const { driver, synced } = recordingDriver(root);
    const data = randomBytes(300_000);
    const w = await driver.writer('/up/data');
    await w.write(data);
    await w.commit();
    await w.close();
    await driver.move('/up/data', '/blobs/x/data');

    expect(synced).toHaveLength(1);
    expect(synced[0].file).toBe(join('up', 'data'));
    expect(synced[0].bytes.equals(data)).toBe(true);
    expect(synced[0].visible).not.toContain(join('blobs', 'x', 'data'));
    expect((await driver.getContent('/blobs/x/data')).equals(data)).toBe(true);
  });

  it('a failed flush leaves the target as it was and nothing half-written behind', async () => {
    const root = tempDir('dist-durable-');
    let fail = false;
    const driver = new FilesystemDriver(root, {
      sync: async (file) => {
        if (fail) throw Object.assign(new Error(`EIO: i/o error, fsync '${file}'`), { code: 'EIO' });
        await syncFileData(file);
      },
    });
    await driver.putContent('/t/link', Buffer.from('old'));
    writeFileSync(join(root, 'src'), 'upload bytes');
    fail = true;

    await expect(driver.putContent('/t/link', Buffer.from('new'))).rejects.toMatchObject({ code: 'EIO' });
    expect((await driver.getContent('/t/link')).toString()).toBe('old');
    expect(readdirSync(join(root, 't'))).toEqual(['link']); // the temp file is gone

    await expect(driver.move('/src', '/dst/data')).rejects.toMatchObject({ code: 'EIO' });
    // the upload is still there to continue, emptied: its bytes are not known to be on disk, and a
    // retried flush would report success without writing them (test/storage/filesystem-flush-failure.test.ts)
    expect(readFileSync(join(root, 'src'), 'utf8')).toBe('');
    expect(existsSync(join(root, 'dst', 'data'))).toBe(false);
  });

  it('move of a missing source is still PathNotFoundError (the flush does not change the contract)', async () => {
    const driver = new FilesystemDriver(tempDir('dist-durable-'));
    await expect(driver.move('/nope', '/there')).rejects.toBeInstanceOf(PathNotFoundError);
  });
});

describe('filesystem driver: a large upload is flushed while it is written', () => {
  const MiB = 1 << 20;
  const total = FLUSH_BEHIND_BYTES * 2 + 8 * MiB;

  it('flushes behind the writes, so the flush before the rename has little left', async () => {
    const root = tempDir('dist-durable-');
    const { driver, synced } = recordingDriver(root);
    const w = await driver.writer('/up/data');
    const chunk = randomBytes(MiB);
    for (let n = 0; n < total; n += MiB) await w.write(chunk);
    await w.commit();
    await w.close();
    const during = synced.filter((s) => s.file === join('up', 'data'));
    expect(during.length).toBeGreaterThanOrEqual(1);
    // each flush ran while the file was still growing, after at least one step's worth of writes
    for (const s of during) {
      expect(s.size).toBeLessThan(total);
      expect(s.size).toBeGreaterThanOrEqual(FLUSH_BEHIND_BYTES);
    }
    synced.length = 0;
    await driver.move('/up/data', '/blobs/y/data');
    expect(synced.map((s) => s.size)).toEqual([total]);
    expect(statSync(join(root, 'blobs', 'y', 'data')).size).toBe(total);
  });

  it('runs one flush behind the writes at a time across all uploads (each holds a thread-pool thread the writes need)', async () => {
    const root = tempDir('dist-durable-');
    let running = 0;
    let most = 0;
    let flushes = 0;
    const driver = new FilesystemDriver(root, {
      sync: async (file) => {
        running++;
        flushes++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20)); // a slow disk: the flushes would overlap
        await syncFileData(file);
        running--;
      },
    });
    const chunk = randomBytes(MiB);
    const steps = FLUSH_BEHIND_BYTES / MiB + 2;
    await Promise.all(['/a/data', '/b/data', '/c/data'].map(async (p) => {
      const w = await driver.writer(p);
      for (let i = 0; i < steps; i++) await w.write(chunk);
      await w.commit();
      await w.close();
    }));
    expect(flushes).toBeGreaterThanOrEqual(1);
    expect(most).toBe(1);
  });

  it('a flush that fails while writing fails the commit: the upload is not acknowledged', async () => {
    const root = tempDir('dist-durable-');
    const driver = new FilesystemDriver(root, {
      sync: async () => {
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      },
    });
    const w = await driver.writer('/up/data');
    const chunk = randomBytes(MiB);
    const written = (async () => {
      for (let n = 0; n < total; n += MiB) await w.write(chunk);
      await w.commit();
    })();
    await expect(written).rejects.toMatchObject({ code: 'EIO' });
    await w.close().catch(() => undefined);
  });

  it('an upload file removed while it is written (purged, cancelled) does not turn the flush into an error', async () => {
    const root = tempDir('dist-durable-');
    const driver = new FilesystemDriver(root); // the real flush, which now finds no file
    const w = await driver.writer('/up/data');
    const chunk = randomBytes(MiB);
    await w.write(chunk);
    rmSync(join(root, 'up'), { recursive: true });
    for (let n = MiB; n < total; n += MiB) await w.write(chunk);
    await expect(w.commit()).resolves.toBeUndefined();
    expect(w.size).toBe(total);
  });

  it('a flush that rejects with something that is not an Error still fails the commit with a message', async () => {
    const root = tempDir('dist-durable-');
    const driver = new FilesystemDriver(root, { sync: () => Promise.reject(undefined) }); // a custom sync gone wrong
    const w = await driver.writer('/up/data');
    const chunk = randomBytes(MiB);
    const written = (async () => {
      for (let n = 0; n < total; n += MiB) await w.write(chunk);
      await w.commit();
    })();
    await expect(written).rejects.toThrow(/flushing .*data failed: undefined/);
  });

  it('cancelling while a flush runs removes the file and raises nothing', async () => {
    const root = tempDir('dist-durable-');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const driver = new FilesystemDriver(root, { sync: () => held.then(() => Promise.reject(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }))) });
    const w = await driver.writer('/up/data');
    const chunk = randomBytes(MiB);
    for (let n = 0; n <= FLUSH_BEHIND_BYTES; n += MiB) await w.write(chunk);
    const cancelled = w.cancel();
    release();
    await expect(cancelled).resolves.toBeUndefined();
    expect(existsSync(join(root, 'up', 'data'))).toBe(false);
  });
});

describe('dist serve on the filesystem driver: a push is flushed before it is visible', () => {
  it('every blob, manifest and link of a pushed image was flushed before its name appeared', async () => {
    const root = tempDir('dist-durable-reg-');
    const { driver, synced } = recordingDriver(root);
    const reg = await startRegistry({ driver });
    try {
      const img = makeImage({ layers: 2, size: 200_000 });
      expect((await pushImage(reg.url, 'durable/app', img, 'v1')).status).toBe(201);
    } finally {
      await reg.close();
    }
    const visible = visibleFiles(root);
    // each final data and link file: some sync saw exactly its bytes while its name did not exist yet
    const finals = visible.filter((f) => f.endsWith(`${join('', 'data')}`) || f.endsWith('link'));
    expect(finals.length).toBeGreaterThanOrEqual(3 + 3 + 2); // 3 blob data files, 3 layer/config links, manifest links + tag
    for (const f of finals) {
      const content = readFileSync(join(root, f));
      const before = synced.find((s) => s.bytes.equals(content) && !s.visible.includes(f));
      expect(before, `${f} was not flushed before it appeared`).toBeDefined();
    }
    // the layers went through their upload files, flushed whole
    const layerDigests = synced.filter((s) => s.file.includes('_uploads')).map((s) => sha(s.bytes));
    expect(layerDigests.length).toBeGreaterThanOrEqual(2);
    // an upload's own bookkeeping is not flushed: a client starts a lost upload again
    expect(synced.filter((s) => s.file.endsWith('startedat') || s.size === 0)).toEqual([]);
  });
});
