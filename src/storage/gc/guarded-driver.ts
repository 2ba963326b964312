import type { Readable } from 'node:stream';
import type { FileInfo, FileWriter, PutOptions, StorageDriver } from '../driver/driver.js';
import type { DigestGuard } from './guard.js';

const BLOB_RE = /\/blobs\/([a-z0-9]+)\/[0-9a-f]{2}\/([0-9a-f]+)(?:\/|$)/;
const LINK_RE = /\/(?:_layers|_manifests\/revisions)\/([a-z0-9]+)\/([0-9a-f]+)(?:\/|$)/;
const DIGEST_RE = /^[a-z0-9]+:[0-9a-f]{32,}$/;

/** The digest a storage path is about (blob data/dir, layer link, manifest revision), if any. */
export function digestInPath(path: string): string | undefined {
  const m = BLOB_RE.exec(path) ?? LINK_RE.exec(path);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

/**
 * A StorageDriver wrapper for online GC: every operation touching a blob (by path, or a link
 * file whose content is a digest) goes through the guard first. The collector itself uses the
 * unwrapped driver.
 */
export class GuardedDriver implements StorageDriver {
  readonly name: string;
  readonly localPath?: StorageDriver['localPath'];
  readonly truncate?: StorageDriver['truncate'];
  // The inner driver's optional abilities stay available with online GC on: its local files (the
  // upload hashing worker reads them) and truncation (a refused chunk is cut off).
  constructor(private readonly inner: StorageDriver, private readonly guard: DigestGuard) {
    this.name = inner.name;
    if (inner.localPath) this.localPath = inner.localPath.bind(inner);
    const truncate = inner.truncate?.bind(inner);
    if (truncate) {
      this.truncate = async (path, size) => {
        await this.touch(path);
        return truncate(path, size);
      };
    }
  }

  private async touch(path: string, content?: Uint8Array): Promise<void> {
    const d = digestInPath(path);
    if (d) await this.guard.touch(d);
    if (content && content.length < 200 && path.endsWith('/link')) {
      const s = Buffer.from(content).toString('utf8').trim();
      if (DIGEST_RE.test(s)) await this.guard.touch(s);
    }
  }

  async getContent(path: string): Promise<Buffer> {
    await this.touch(path);
    const data = await this.inner.getContent(path);
    if (path.endsWith('/link')) await this.touch(path, data);
    return data;
  }
  async putContent(path: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
    await this.touch(path, data);
    return this.inner.putContent(path, data, opts);
  }
  async reader(path: string, offset?: number): Promise<Readable> {
    await this.touch(path);
    return this.inner.reader(path, offset);
  }
  async writer(path: string, opts?: { append?: boolean }): Promise<FileWriter> {
    await this.touch(path);
    return this.inner.writer(path, opts);
  }
  async stat(path: string): Promise<FileInfo> {
    await this.touch(path);
    return this.inner.stat(path);
  }
  list(path: string): Promise<string[]> {
    return this.inner.list(path);
  }
  async move(from: string, to: string): Promise<void> {
    await this.touch(to);
    return this.inner.move(from, to);
  }
  async delete(path: string): Promise<void> {
    await this.touch(path);
    return this.inner.delete(path);
  }
  redirectURL(path: string, method: 'GET' | 'HEAD'): Promise<string | undefined> {
    return this.inner.redirectURL ? this.inner.redirectURL(path, method) : Promise.resolve(undefined);
  }
}
