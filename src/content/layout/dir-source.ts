import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { withFileRange } from '../file-range.js';
import { notFound, type FileSource } from '../source.js';

/** A FileSource over a directory. */
export class DirSource implements FileSource {
  constructor(readonly root: string) {}
  get description(): string {
    return this.root;
  }
  path(name: string): string {
    if (name.split('/').some((p) => p === '..' || p === '')) throw notFound(name, this.root);
    return join(this.root, ...name.split('/'));
  }
  async size(name: string): Promise<number | undefined> {
    try {
      const st = await fsp.stat(this.path(name));
      return st.isFile() ? st.size : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw e;
    }
  }
  async open(name: string, offset = 0): Promise<Readable> {
    const path = this.path(name);
    const fh = await fsp.open(path, 'r');
    return withFileRange(createReadStream('', { fd: fh, start: offset, highWaterMark: 1 << 20, autoClose: true }), { path, start: offset });
  }
}
