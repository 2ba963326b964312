import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { FileWriter } from '../driver.js';
import { MIN_CHUNK_SIZE, objectParams, type S3DriverOptions } from './config.js';
import { copyRanges, copySource } from './copy.js';
import { isNotFound } from './keys.js';
import { abortUploads, findUpload, listAllParts, type UploadedPart } from './multipart.js';

/**
 * A FileWriter over an S3 multipart upload, with distribution's resume rules: the upload is found
 * again by key; a short last part (left by close()) or an already committed object becomes the start
 * of a fresh multipart upload (UploadPartCopy when >= 5 MiB, else re-read: < 5 MiB). At most one
 * part is buffered while the previous one uploads.
 */
export class S3Writer implements FileWriter {
  size: number;
  private buf: Buffer[] = [];
  private bufLen = 0;
  private inflight: Promise<void> | undefined;
  private error: unknown;
  /** closed: no more writes (commit still allowed); finished: committed or cancelled. */
  private closed = false;
  private finished = false;
  /** The parts end in a short one: completing and restarting is needed before more parts. */
  private needsRestart: boolean;
  /** A complete object at the key holds the first `base` bytes (appending to a committed object). */
  private base: number;
  /** A committed object exists at the key: close() must complete too, so the object stays authoritative. */
  private overObject: boolean;

  private constructor(
    private readonly client: S3Client,
    private readonly o: S3DriverOptions,
    private readonly key: string,
    private uploadId: string | undefined,
    private parts: UploadedPart[],
    base: number,
    overObject: boolean,
  ) {
    this.base = base;
    this.overObject = overObject;
    this.size = base + parts.reduce((n, p) => n + p.Size, 0);
    const last = parts[parts.length - 1];
    this.needsRestart = !!last && last.Size < MIN_CHUNK_SIZE;
  }

  /**
   * Resume rules. A committed object at the key is authoritative: what it holds was acknowledged,
   * and any in-progress upload beside it is a crashed, unacknowledged attempt (aborted). Without an
   * object, the newest in-progress upload for the key is resumed, as distribution does.
   */
  static async open(client: S3Client, o: S3DriverOptions, key: string, append: boolean): Promise<S3Writer> {
    if (append) {
      let objectSize: number | undefined;
      try {
        objectSize = (await client.send(new HeadObjectCommand({ Bucket: o.bucket, Key: key }))).ContentLength ?? 0;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (objectSize !== undefined) {
        await abortUploads(client, o.bucket, key);
        return new S3Writer(client, o, key, undefined, [], objectSize, true);
      }
      const uploadId = await findUpload(client, o.bucket, key);
      if (uploadId) return new S3Writer(client, o, key, uploadId, await listAllParts(client, o.bucket, key, uploadId), 0, false);
    } else {
      await abortUploads(client, o.bucket, key);
    }
    const w = new S3Writer(client, o, key, undefined, [], 0, false);
    await w.create();
    return w;
  }

  private async create(): Promise<void> {
    const r = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.o.bucket, Key: this.key, ...objectParams(this.o) }));
    this.uploadId = r.UploadId!;
    this.parts = [];
  }

  private async complete(): Promise<void> {
    const Parts = this.parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag }));
    // rgw answers an empty ETag here (a known bug); nothing below relies on it.
    await this.client.send(
      new CompleteMultipartUploadCommand({ Bucket: this.o.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts } }),
    );
    this.uploadId = undefined;
  }

  /** Make the upload ready to take new full parts after what is already stored. */
  private async prepare(): Promise<void> {
    if (this.needsRestart) {
      await this.complete();
      this.base = this.parts.reduce((n, p) => n + p.Size, 0);
      this.parts = [];
      this.needsRestart = false;
      this.overObject = true;
    }
    if (this.base > 0) {
      const base = this.base;
      await this.create();
      if (base >= MIN_CHUNK_SIZE) {
        const src = copySource(this.o.bucket, this.key);
        this.parts = await copyRanges(this.client, this.o.bucket, this.key, this.uploadId!, src, 0, base, this.o.multipartCopyChunkSize, this.o.multipartCopyMaxConcurrency, 1);
      } else {
        const r = await this.client.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: this.key }));
        const bytes = Buffer.from(await r.Body!.transformToByteArray());
        this.buf = [bytes, ...this.buf];
        this.bufLen += bytes.length;
      }
      this.base = 0;
    }
    if (!this.uploadId) await this.create();
  }

  private check(): void {
    if (this.error) throw this.error;
    if (this.finished) throw new Error('s3 writer: already committed or cancelled');
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    if (this.closed) throw new Error('s3 writer: write after close');
    if (this.needsRestart || this.base > 0 || !this.uploadId) await this.prepare();
    this.buf.push(Buffer.from(chunk));
    this.bufLen += chunk.length;
    this.size += chunk.length;
    if (this.bufLen >= this.o.chunkSize) await this.flush(false);
  }

  /** Upload the buffer as the next part; in the background unless `wait`. Waits for the previous part first. */
  private async flush(wait: boolean): Promise<void> {
    if (this.inflight) await this.inflight;
    this.check();
    if (this.bufLen > 0) {
      const body = Buffer.concat(this.buf, this.bufLen);
      this.buf = [];
      this.bufLen = 0;
      const PartNumber = (this.parts[this.parts.length - 1]?.PartNumber ?? 0) + 1;
      const part: UploadedPart = { PartNumber, ETag: '', Size: body.length };
      this.parts.push(part);
      const p = this.client
        .send(new UploadPartCommand({ Bucket: this.o.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: body }))
        .then((r) => {
          part.ETag = r.ETag ?? '';
        });
      this.inflight = p.then(
        () => undefined,
        (e: unknown) => {
          this.error = e;
        },
      );
    }
    if (wait && this.inflight) {
      await this.inflight;
      this.inflight = undefined;
      this.check();
    }
  }

  async close(): Promise<void> {
    if (this.closed || this.finished) return;
    this.closed = true;
    if (this.overObject) return this.commit();
    await this.flush(true);
  }

  async commit(): Promise<void> {
    this.check();
    await this.flush(true);
    this.closed = this.finished = true;
    if (!this.uploadId) return; // appended to a committed object and wrote nothing: already complete
    if (this.parts.length === 0) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.o.bucket, Key: this.key, UploadId: this.uploadId }));
      this.uploadId = undefined;
      await this.client.send(new PutObjectCommand({ Bucket: this.o.bucket, Key: this.key, Body: Buffer.alloc(0), ...objectParams(this.o) }));
      return;
    }
    await this.complete();
  }

  async cancel(): Promise<void> {
    this.closed = this.finished = true;
    await this.inflight;
    if (this.uploadId) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.o.bucket, Key: this.key, UploadId: this.uploadId })).catch(() => undefined);
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: this.key }));
  }
}
