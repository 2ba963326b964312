import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { InvalidOffsetError, InvalidPathError, PathNotFoundError, type StorageDriver } from '../../src/storage/driver/driver.js';

/** One conformance suite, run against every storage driver (filesystem, memory, S3). */
export function driverConformance(name: string, make: () => Promise<StorageDriver>): void {
  describe(`storage driver conformance: ${name}`, () => {
    it('putContent/getContent round-trips and overwrites', async () => {
      const d = await make();
      await d.putContent('/a/b/c', Buffer.from('hello'));
      expect((await d.getContent('/a/b/c')).toString()).toBe('hello');
      await d.putContent('/a/b/c', Buffer.from('bye'));
      expect((await d.getContent('/a/b/c')).toString()).toBe('bye');
      expect((await d.stat('/a/b/c')).size).toBe(3);
    });

    it('truncate, where the driver has it, cuts an object back and keeps appending from there', async () => {
      const d = await make();
      if (!d.truncate) return void expect(d.truncate).toBeUndefined();
      await d.putContent('/t/obj', Buffer.from('0123456789'));
      await d.truncate('/t/obj', 4);
      expect((await d.getContent('/t/obj')).toString()).toBe('0123');
      expect((await d.stat('/t/obj')).size).toBe(4);
      const w = await d.writer('/t/obj', { append: true });
      await w.write(Buffer.from('xy'));
      await w.commit();
      await w.close();
      expect((await d.getContent('/t/obj')).toString()).toBe('0123xy');
      await expect(d.truncate('/t/missing', 0)).rejects.toBeInstanceOf(PathNotFoundError);
    });

    it('missing paths raise PathNotFoundError everywhere', async () => {
      const d = await make();
      await expect(d.getContent('/nope/x')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(d.reader('/nope/x')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(d.stat('/nope/x')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(d.list('/nope')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(d.delete('/nope/x')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(d.move('/nope/x', '/nope/y')).rejects.toBeInstanceOf(PathNotFoundError);
    });

    it('rejects paths that could escape the root', async () => {
      const d = await make();
      for (const p of ['', 'a', '/a/../b', '/a/./b', '/a//b', '/a/b/', '/a\\b', '/a b', '/%2e%2e']) {
        await expect(d.putContent(p, Buffer.from('x')), p).rejects.toBeInstanceOf(InvalidPathError);
        await expect(d.getContent(p), p).rejects.toBeInstanceOf(InvalidPathError);
      }
    });

    it('lists direct children sorted, and stat sees directories', async () => {
      const d = await make();
      await d.putContent('/l/b/x', Buffer.from('1'));
      await d.putContent('/l/a', Buffer.from('2'));
      await d.putContent('/l/c/d/e', Buffer.from('3'));
      expect(await d.list('/l')).toEqual(['a', 'b', 'c']);
      expect((await d.stat('/l/c')).isDir).toBe(true);
      expect((await d.stat('/l/a')).isDir).toBe(false);
    });

    it('reader streams from an offset and refuses offsets past the end', async () => {
      const d = await make();
      await d.putContent('/r/f', Buffer.from('0123456789'));
      expect(await text(await d.reader('/r/f'))).toBe('0123456789');
      expect(await text(await d.reader('/r/f', 4))).toBe('456789');
      expect(await text(await d.reader('/r/f', 10))).toBe('');
      await expect(d.reader('/r/f', 11)).rejects.toBeInstanceOf(InvalidOffsetError);
    });

    it('writer writes, commits, and can be resumed with append', async () => {
      const d = await make();
      const w = await d.writer('/w/data');
      await w.write(Buffer.from('abc'));
      await w.write(Buffer.from('def'));
      expect(w.size).toBe(6);
      await w.commit();
      const w2 = await d.writer('/w/data', { append: true });
      expect(w2.size).toBe(6);
      await w2.write(Buffer.from('ghi'));
      await w2.commit();
      expect((await d.getContent('/w/data')).toString()).toBe('abcdefghi');
      expect((await d.stat('/w/data')).size).toBe(9);
    });

    it('writer cancel removes what it wrote', async () => {
      const d = await make();
      const w = await d.writer('/c/data');
      await w.write(Buffer.from('abc'));
      await w.cancel();
      await expect(d.stat('/c/data')).rejects.toBeInstanceOf(PathNotFoundError);
    });

    it('writes a multi-MiB object in many chunks without losing bytes', async () => {
      const d = await make();
      const w = await d.writer('/big/data');
      const chunk = Buffer.alloc(256 * 1024);
      for (let i = 0; i < 24; i++) {
        chunk.fill(i);
        await w.write(chunk);
      }
      await w.commit();
      expect((await d.stat('/big/data')).size).toBe(24 * 256 * 1024);
      const r = await d.reader('/big/data', 23 * 256 * 1024);
      let n = 0;
      for await (const c of r as AsyncIterable<Buffer>) {
        expect(c.every((b) => b === 23)).toBe(true);
        n += c.length;
      }
      expect(n).toBe(256 * 1024);
    });

    it('move replaces the target and removes the source', async () => {
      const d = await make();
      await d.putContent('/m/src', Buffer.from('new'));
      await d.putContent('/m2/dst', Buffer.from('old'));
      await d.move('/m/src', '/m2/dst');
      expect((await d.getContent('/m2/dst')).toString()).toBe('new');
      await expect(d.stat('/m/src')).rejects.toBeInstanceOf(PathNotFoundError);
    });

    it('delete removes a whole tree', async () => {
      const d = await make();
      await d.putContent('/t/a/1', Buffer.from('1'));
      await d.putContent('/t/a/b/2', Buffer.from('2'));
      await d.putContent('/t/keep', Buffer.from('3'));
      await d.delete('/t/a');
      await expect(d.stat('/t/a/1')).rejects.toBeInstanceOf(PathNotFoundError);
      await expect(d.stat('/t/a/b/2')).rejects.toBeInstanceOf(PathNotFoundError);
      expect(await d.list('/t')).toEqual(['keep']);
    });

    it('concurrent putContent to one path leaves one complete value', async () => {
      const d = await make();
      const values = Array.from({ length: 20 }, (_, i) => Buffer.alloc(64 * 1024, i));
      await Promise.all(values.map((v) => d.putContent('/race/x', v)));
      const got = await d.getContent('/race/x');
      expect(got.length).toBe(64 * 1024);
      expect(got.every((b) => b === got[0])).toBe(true);
    });

    it('streams a Readable source through writer', async () => {
      const d = await make();
      const w = await d.writer('/s/data');
      for await (const c of Readable.from([Buffer.from('x'), Buffer.from('y')])) await w.write(c as Buffer);
      await w.commit();
      expect((await d.getContent('/s/data')).toString()).toBe('xy');
    });
  });
}
