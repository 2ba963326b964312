import type { Readable } from 'node:stream';
import type { FileInfo, FileWriter, PutOptions, StorageDriver } from '../driver.js';
import type { PathCache } from './redis-cache.js';

const KINDS = ['stat', 'content'] as const;
/** Blob data files: their stat is the blob descriptor (size). */
const isBlobData = (p: string): boolean => p.includes('/blobs/') && p.endsWith('/data');
/** Link files (repository layer/manifest links, tag current/index links): small, read on every request. */
const isLink = (p: string): boolean => p.endsWith('/link');

/**
 * A StorageDriver decorator: a blob-descriptor cache shared by every instance through `cache`
 * (Redis). It caches positive stat answers for blob data and the content of link files; every
 * write, move and delete that goes through any instance invalidates before it returns, so no
 * instance answers from an entry older than a completed write or delete. Cache errors on reads
 * fall back to the store.
 */
export class CachingDriver implements StorageDriver {
  readonly name: string;
  readonly redirectURL?: StorageDriver['redirectURL'];
  readonly localPath?: StorageDriver['localPath'];
  readonly truncate?: StorageDriver['truncate'];

  // The optional abilities of the driver underneath stay available through the cache: redirects,
  // the local file (the upload hashing worker reads it) and truncation (a refused chunk is cut off).
  constructor(private readonly inner: StorageDriver, private readonly cache: PathCache) {
    this.name = inner.name;
    if (inner.redirectURL) this.redirectURL = inner.redirectURL.bind(inner);
    if (inner.localPath) this.localPath = inner.localPath.bind(inner);
    const truncate = inner.truncate?.bind(inner);
    if (truncate) {
      this.truncate = async (path, size) => {
        try {
          await truncate(path, size);
        } finally {
          await this.invalidate(path);
        }
      };
    }
  }

  private async cached<T>(kind: string, path: string, load: () => Promise<T>, enc: (v: T) => string | undefined, dec: (s: string) => T): Promise<T> {
    let stamp;
    try {
      const hit = await this.cache.get(kind, path);
      if (hit.value !== undefined) return dec(hit.value);
      stamp = hit.stamp;
    } catch {
      return load();
    }
    const v = await load();
    const s = enc(v);
    if (s !== undefined) await this.cache.set(kind, path, stamp, s).catch(() => undefined);
    return v;
  }

  async getContent(path: string): Promise<Buffer> {
    if (!isLink(path)) return this.inner.getContent(path);
    return this.cached('content', path, () => this.inner.getContent(path), (b) => (b.length <= 1024 ? b.toString('base64') : undefined), (s) => Buffer.from(s, 'base64'));
  }

  async stat(path: string): Promise<FileInfo> {
    if (!isBlobData(path)) return this.inner.stat(path);
    return this.cached(
      'stat',
      path,
      () => this.inner.stat(path),
      (i) => (i.isDir ? undefined : JSON.stringify([i.size, i.modTime.getTime()])),
      (s) => {
        const [size, mod] = JSON.parse(s) as [number, number];
        return { path, size, modTime: new Date(mod), isDir: false };
      },
    );
  }

  private invalidate(path: string): Promise<void> {
    return isBlobData(path) || isLink(path) ? this.cache.invalidatePath(path, KINDS) : Promise.resolve();
  }

  async putContent(path: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
    await this.inner.putContent(path, data, opts);
    await this.invalidate(path);
  }

  async writer(path: string, opts?: { append?: boolean }): Promise<FileWriter> {
    const w = await this.inner.writer(path, opts);
    const after = async <T>(p: Promise<T>): Promise<T> => {
      try {
        return await p;
      } finally {
        await this.invalidate(path);
      }
    };
    return {
      get size() {
        return w.size;
      },
      get flushed() {
        return w.flushed;
      },
      write: (c) => w.write(c),
      commit: () => after(w.commit()),
      close: () => after(w.close()),
      cancel: () => after(w.cancel()),
    };
  }

  async move(from: string, to: string): Promise<void> {
    await this.inner.move(from, to);
    await this.invalidate(to);
    await this.invalidate(from);
  }

  async delete(path: string): Promise<void> {
    try {
      await this.inner.delete(path);
    } finally {
      await this.cache.invalidateAll();
    }
  }

  reader(path: string, offset?: number): Promise<Readable> {
    return this.inner.reader(path, offset);
  }

  list(path: string): Promise<string[]> {
    return this.inner.list(path);
  }
}
