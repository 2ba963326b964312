import { Readable } from 'node:stream';
import { checkDirPath, checkPath, type FileInfo, type FileWriter, InvalidOffsetError, PathNotFoundError, type StorageDriver } from './driver.js';

interface Entry {
  chunks: Buffer[];
  size: number;
  modTime: Date;
}

/** An in-memory driver for tests and ephemeral registries. Objects are whole-buffer; dirs are implied. */
export class MemoryDriver implements StorageDriver {
  readonly name = 'inmemory';
  private readonly files = new Map<string, Entry>();

  private entry(path: string): Entry {
    const e = this.files.get(checkPath(path));
    if (!e) throw new PathNotFoundError(path);
    return e;
  }

  private flat(e: Entry): Buffer {
    if (e.chunks.length !== 1) e.chunks = [Buffer.concat(e.chunks)];
    return e.chunks[0] ?? Buffer.alloc(0);
  }

  async truncate(path: string, size: number): Promise<void> {
    const e = this.entry(path);
    e.chunks = [Buffer.from(this.flat(e).subarray(0, size))];
    e.size = Math.min(e.size, size);
    e.modTime = new Date();
  }

  async getContent(path: string): Promise<Buffer> {
    return Buffer.from(this.flat(this.entry(path)));
  }

  async putContent(path: string, data: Uint8Array): Promise<void> {
    checkPath(path);
    this.files.set(path, { chunks: [Buffer.from(data)], size: data.length, modTime: new Date() });
  }

  async reader(path: string, offset = 0): Promise<Readable> {
    const e = this.entry(path);
    if (offset < 0 || offset > e.size) throw new InvalidOffsetError(path, offset);
    return Readable.from([this.flat(e).subarray(offset)].filter((b) => b.length > 0));
  }

  async writer(path: string, opts: { append?: boolean } = {}): Promise<FileWriter> {
    checkPath(path);
    const existing = opts.append ? this.files.get(path) : undefined;
    const entry: Entry = existing ?? { chunks: [], size: 0, modTime: new Date() };
    this.files.set(path, entry);
    const files = this.files;
    return {
      get size() {
        return entry.size;
      },
      async write(chunk: Uint8Array) {
        entry.chunks.push(Buffer.from(chunk));
        entry.size += chunk.length;
        entry.modTime = new Date();
      },
      async commit() {},
      async close() {},
      async cancel() {
        files.delete(path);
      },
    };
  }

  async stat(path: string): Promise<FileInfo> {
    checkDirPath(path);
    const e = this.files.get(path);
    if (e) return { path, size: e.size, modTime: e.modTime, isDir: false };
    const prefix = path === '/' ? '/' : `${path}/`;
    let latest: Date | undefined;
    for (const [k, v] of this.files) {
      if (k.startsWith(prefix) && (!latest || v.modTime > latest)) latest = v.modTime;
    }
    if (!latest) throw new PathNotFoundError(path);
    return { path, size: 0, modTime: latest, isDir: true };
  }

  async list(path: string): Promise<string[]> {
    checkDirPath(path);
    const prefix = path === '/' ? '/' : `${path}/`;
    const names = new Set<string>();
    for (const k of this.files.keys()) {
      if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
    }
    if (names.size === 0) throw new PathNotFoundError(path);
    return [...names].sort();
  }

  async move(from: string, to: string): Promise<void> {
    const e = this.entry(from);
    checkPath(to);
    this.files.delete(from);
    this.files.set(to, e);
  }

  async delete(path: string): Promise<void> {
    checkPath(path);
    let found = this.files.delete(path);
    const prefix = `${path}/`;
    for (const k of [...this.files.keys()]) {
      if (k.startsWith(prefix)) {
        this.files.delete(k);
        found = true;
      }
    }
    if (!found) throw new PathNotFoundError(path);
  }
}
