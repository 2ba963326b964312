import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { hashFileBehindWriter } from '../content/file-hasher.js';
import { algorithmOf, type Algorithm, type Digest } from '../digest/digest.js';
import { Digester } from '../digest/digester.js';
import { RegistryError } from '../errors/errors.js';
import { AbortableBody } from './abortable-body.js';
import type { BlobStore } from './blob-store.js';
import type { StorageDriver } from './driver/driver.js';
import { deleteIfExists, isNotFound, sizeOf } from './links.js';
import { paths } from './paths.js';
import { uploadHash, type UploadHash } from './upload-hash.js';
import type { RepoBlobs } from './repo-blobs.js';
import { KeyedMutex } from './mutex.js';

export interface UploadStatus {
  id: string;
  name: string;
  /** Bytes received so far. */
  size: number;
  startedAt: string;
}

/** Where an append must start, and how long it must be (chunk form with Content-Range). */
export interface AppendOptions {
  start?: number;
  length?: number;
}

const ID_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** `Range` header value for an upload of `size` bytes (inclusive, `0-0` when empty). */
export function uploadRange(size: number): string {
  return `0-${Math.max(0, size - 1)}`;
}

/**
 * Resumable upload sessions in `_uploads/<id>/{data,startedat}`. Data is hashed while it arrives;
 * the hasher lives in this process keyed by upload id, so the final PUT does not re-read the blob
 * unless the process restarted in between (then the data file is hashed once on finish).
 */
export class UploadSessions {
  private readonly hashers = new Map<string, UploadHash>();
  private readonly mutex = new KeyedMutex();
  /** The append in progress per upload id: cancel() stops it instead of waiting for its client. */
  private readonly writing = new Map<string, AbortableBody>();
  /**
   * Uploads whose data is already in the blob store but whose repository link could not be
   * written (a full disk): a retried PUT links it. Without this the retry hashed a data file that
   * was gone (a 500, forever) and the bytes the client sent were lost to it.
   */
  private readonly adopted = new Map<string, { name: string; digest: Digest; size: number }>();

  /**
   * A request for an upload whose current PATCH has sent nothing for this long takes over: the
   * stalled one is stopped (its bytes so far are kept, as the status says). Before, the new request
   * waited for the stalled client or the 5-minute idle timeout: a client that gave up on a hung PATCH
   * and asked again hung too. A client never sends two PATCHes to one upload at once on purpose.
   */
  takeOverAfterMs = 10_000;
  /**
   * A session's running hash is dropped once the session has been idle this long (its client gone,
   * or the upload purged from storage behind our back): it would be kept until the process ends, in
   * this map and in the hashing worker. A client that comes back later is still served: its finish
   * hashes the data file whole.
   */
  hashIdleMs = 60 * 60 * 1000;
  private readonly hashUsed = new Map<string, number>();

  constructor(private readonly driver: StorageDriver, private readonly blobs: BlobStore, private readonly repoBlobs: RepoBlobs) {}

  /** Stop the append in progress on `id` if its client has gone quiet (see takeOverAfterMs). */
  private takeOverStalled(id: string): void {
    const w = this.writing.get(id);
    if (w && w.idleMs() >= this.takeOverAfterMs) {
      w.abort(new RegistryError('BLOB_UPLOAD_INVALID', 'a newer request for this upload took over while this one sent nothing'));
    }
  }

  /**
   * Run `work` holding the upload's lock. While waiting for it, look again and again whether the
   * holder's client has gone quiet: a retry usually arrives right after its old connection broke,
   * when that PATCH does not look stalled yet. Once the lock is ours, our own append is not checked.
   */
  private locked<T>(id: string, work: () => Promise<T>): Promise<T> {
    this.takeOverStalled(id);
    const timer = setInterval(() => this.takeOverStalled(id), Math.max(10, Math.min(1000, this.takeOverAfterMs / 2)));
    timer.unref();
    return this.mutex
      .run(id, () => {
        clearInterval(timer);
        return work();
      })
      .finally(() => clearInterval(timer));
  }

  async create(name: string): Promise<UploadStatus> {
    const id = randomUUID();
    const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    // not flushed to disk: an upload lost to a power loss is started again by its client
    await this.driver.putContent(paths.uploadData(name, id), new Uint8Array(0), { durable: false });
    await this.driver.putContent(paths.uploadStartedAt(name, id), Buffer.from(startedAt), { durable: false });
    this.sweepIdleHashes();
    this.hashers.set(id, this.newHash(name, id));
    this.hashUsed.set(id, Date.now());
    return { id, name, size: 0, startedAt };
  }

  /** A hash of the upload's data from byte 0 (on the hashing worker where the data is a local file). */
  private newHash(name: string, id: string, algorithm: Algorithm = 'sha256'): UploadHash {
    return uploadHash(this.driver.localPath?.(paths.uploadData(name, id)), algorithm);
  }

  private dropHash(id: string): void {
    this.hashers.get(id)?.cancel();
    this.hashers.delete(id);
    this.hashUsed.delete(id);
  }

  private sweepIdleHashes(): void {
    const now = Date.now();
    for (const [id, used] of this.hashUsed) if (now - used > this.hashIdleMs && !this.writing.has(id)) this.dropHash(id);
  }

  async status(name: string, id: string): Promise<UploadStatus> {
    if (!ID_RE.test(id)) throw unknown(id);
    let startedAt: string;
    try {
      startedAt = (await this.driver.getContent(paths.uploadStartedAt(name, id))).toString('utf8').trim();
    } catch (e) {
      if (isNotFound(e)) throw unknown(id);
      throw e;
    }
    const size = (await sizeOf(this.driver, paths.uploadData(name, id))) ?? 0;
    return { id, name, size, startedAt };
  }

  /** Append a body (stream form, or chunk form when `start`/`length` are given). */
  async append(name: string, id: string, body: AsyncIterable<Uint8Array>, opts: AppendOptions = {}): Promise<UploadStatus> {
    return this.locked(id, () => this.appendLocked(name, id, body, opts));
  }

  private async appendLocked(name: string, id: string, body: AsyncIterable<Uint8Array>, opts: AppendOptions): Promise<UploadStatus> {
    const st = await this.status(name, id);
    if (opts.start !== undefined && opts.start !== st.size) {
      throw new RegistryError('RANGE_INVALID', `chunk starts at ${opts.start} but the upload holds ${st.size} bytes`, undefined, {
        headers: { Range: uploadRange(st.size) },
      });
    }
    let hasher = this.hashers.get(id);
    if (hasher && hasher.size !== st.size) {
      this.dropHash(id);
      hasher = undefined;
    }
    if (!hasher && st.size === 0) this.hashers.set(id, (hasher = this.newHash(name, id)));
    if (hasher) this.hashUsed.set(id, Date.now());
    const writer = await this.driver.writer(paths.uploadData(name, id), { append: true });
    const input = new AbortableBody(body);
    this.writing.set(id, input);
    let received = 0;
    let refused = false;
    try {
      for await (const chunk of input) {
        received += chunk.length;
        if (opts.length !== undefined && received > opts.length) throw new RegistryError('SIZE_INVALID', 'chunk longer than its Content-Range');
        await writer.write(chunk);
        hasher?.update(chunk);
        if (writer.flushed !== undefined) hasher?.flushed(writer.flushed);
      }
      await writer.commit();
      hasher?.flushed(writer.size);
      if (opts.length !== undefined && received !== opts.length) {
        throw new RegistryError('SIZE_INVALID', `chunk of ${received} bytes, its Content-Range says ${opts.length}`);
      }
    } catch (e) {
      refused = e instanceof RegistryError && e.code === 'SIZE_INVALID';
      throw e;
    } finally {
      this.writing.delete(id);
      await writer.close().catch(() => undefined);
      // a refused chunk leaves nothing behind where the driver can cut it off: the client resends it whole
      const rolledBack = refused && !!this.driver.truncate && (await this.driver.truncate(paths.uploadData(name, id), st.size).then(() => true, () => false));
      if (rolledBack || (hasher && hasher.size !== writer.size)) this.dropHash(id);
      else if (hasher) this.hashUsed.set(id, Date.now()); // idle counts from the end of the last append
    }
    return { ...st, size: writer.size };
  }

  /**
   * Finish: append the optional final body, verify the digest of the whole content, move the
   * data into the blob store and link it into the repository.
   */
  async finish(name: string, id: string, digest: Digest, body?: AsyncIterable<Uint8Array>, opts: AppendOptions = {}): Promise<{ digest: Digest; size: number }> {
    return this.locked(id, async () => {
      const moved = this.adopted.get(id);
      if (moved && moved.name === name && !body) {
        if (moved.digest !== digest) throw new RegistryError('DIGEST_INVALID', `provided digest ${digest} did not match uploaded content ${moved.digest}`, { digest });
        await this.status(name, id);
        await this.repoBlobs.link(name, digest);
        await this.cancelLocked(name, id);
        return { digest, size: moved.size };
      }
      const st = body ? await this.appendLocked(name, id, body, opts) : await this.status(name, id);
      const actual = await this.digestOf(name, id, digest);
      if (actual !== digest) {
        // The upload stays (distribution cancels it): the client may retry with the right digest.
        throw new RegistryError('DIGEST_INVALID', `provided digest ${digest} did not match uploaded content ${actual}`, { digest });
      }
      await this.blobs.adopt(digest, paths.uploadData(name, id));
      this.adopted.set(id, { name, digest, size: st.size });
      await this.repoBlobs.link(name, digest);
      await this.cancelLocked(name, id);
      return { digest, size: st.size };
    });
  }

  /** The bytes received so far (legacy tarsum verification reads them before finishing). */
  async reader(name: string, id: string): Promise<Readable> {
    await this.status(name, id);
    return this.driver.reader(paths.uploadData(name, id));
  }

  /**
   * Cancel an upload. An append in progress on it (a PATCH whose client stalled) is stopped first:
   * waiting for it held the DELETE until that client finished or the idle timeout closed it.
   */
  async cancel(name: string, id: string): Promise<void> {
    await this.status(name, id);
    this.writing.get(id)?.abort();
    await this.mutex.run(id, async () => {
      await this.status(name, id);
      await this.cancelLocked(name, id);
    });
  }

  private async cancelLocked(name: string, id: string): Promise<void> {
    this.dropHash(id);
    this.adopted.delete(id);
    await deleteIfExists(this.driver, paths.uploadDir(name, id));
  }

  private async digestOf(name: string, id: string, want: Digest): Promise<string> {
    const alg = algorithmOf(want);
    const hasher = this.hashers.get(id);
    const stored = await sizeOf(this.driver, paths.uploadData(name, id));
    const size = stored ?? 0;
    if (hasher && hasher.algorithm === alg && hasher.size === size) {
      this.hashers.delete(id);
      this.hashUsed.delete(id);
      return hasher.digest();
    }
    this.dropHash(id);
    // No data file: a finish moved it into the blob store, its link failed, and the process restarted
    // since. The upload holds nothing (as status() says); reading it was a 500.
    if (stored === undefined) return new Digester(alg).digest();
    // hashed whole now (the process restarted, or another instance took part): a local file on the
    // hashing worker, anything else read through the driver
    const local = this.driver.localPath?.(paths.uploadData(name, id));
    if (local) return hashFileBehindWriter(local, alg, { keepAlive: false }).digest(size);
    const d = new Digester(alg);
    for await (const chunk of await this.driver.reader(paths.uploadData(name, id))) d.update(chunk as Buffer);
    return d.digest();
  }
}

function unknown(id: string): RegistryError {
  return new RegistryError('BLOB_UPLOAD_UNKNOWN', undefined, { uuid: id.slice(0, 128) });
}
