import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { withFileRange } from '../file-range.js';
import { notFound, type FileSource } from '../source.js';
import { indexTar, normalizeTarName, type TarEntry } from './tar-index.js';

/** A FileSource over a tar file: headers indexed once, file data read by byte range. */
export class TarSource implements FileSource {
  private constructor(readonly path: string, private readonly entries: Map<string, TarEntry>) {}

  static async open(path: string): Promise<TarSource> {
    const full = resolve(path);
    return new TarSource(full, await indexTar(full));
  }

  get description(): string {
    return this.path;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  async size(name: string): Promise<number | undefined> {
    return this.entries.get(normalizeTarName(name))?.size;
  }

  async open(name: string, offset = 0): Promise<Readable> {
    const e = this.entries.get(normalizeTarName(name));
    if (!e) throw notFound(name, this.path);
    if (offset >= e.size) return Readable.from([]);
    const stream = createReadStream(this.path, { start: e.offset + offset, end: e.offset + e.size - 1, highWaterMark: 1 << 20 });
    return withFileRange(stream, { path: this.path, start: e.offset + offset, end: e.offset + e.size });
  }
}
