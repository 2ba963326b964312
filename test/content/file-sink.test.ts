import { closeSync, openSync, readFileSync } from 'node:fs';


import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { FileSink } from '../../src/content/layout/file-sink.js';
import { LocalWriteError } from '../../src/errors/errors.js';
import { tempDir } from '../helpers/temp.js';

const chunks = (n: number, size: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.alloc(size, i + 1));

describe('FileSink', () => {
  it('writes every chunk in order and leaves the fd open for its owner', async () => {
    const path = join(tempDir('dist-sink-'), 'out');
    const fd = openSync(path, 'w');
    const seen: number[] = [];
    await pipeline(Readable.from(chunks(5, 300_000)), new FileSink(fd, (c) => seen.push(c.length)));
    closeSync(fd); // throws EBADF if the sink had closed it
    const out = readFileSync(path);
    expect(out.length).toBe(1_500_000);
    expect(seen).toEqual([300_000, 300_000, 300_000, 300_000, 300_000]);
    expect(out.subarray(0, 300_000).equals(Buffer.alloc(300_000, 1))).toBe(true);
    expect(out.subarray(1_200_000).equals(Buffer.alloc(300_000, 5))).toBe(true);
  });

  it('fails with a LocalWriteError (ENOSPC, and what to do) on a full disk (/dev/full)', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const err = await pipeline(Readable.from(chunks(2, 1024)), new FileSink(fd, undefined, '/dev/full')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalWriteError);
      expect((err as LocalWriteError).message).toMatch(/^cannot write \/dev\/full: ENOSPC/);
      expect((err as LocalWriteError).hint).toMatch(/free some space/);
      expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
  });

  it('writes nothing of a chunk its check refuses', async () => {
    const path = join(tempDir('dist-sink-'), 'out');
    const fd = openSync(path, 'w');
    let n = 0;
    const check = (): void => {
      if (++n === 3) throw new Error('too long');
    };
    await expect(pipeline(Readable.from(chunks(4, 1000)), new FileSink(fd, check))).rejects.toThrow('too long');
    closeSync(fd);
    expect(readFileSync(path).length).toBe(2000);
  });
});
