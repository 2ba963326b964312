import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkDirPath, checkPath, type FileInfo, type FileWriter, InvalidOffsetError, PathNotFoundError, type StorageDriver } from './driver.js';
import { makeS3Client, objectParams, parseS3Options, type S3DriverOptions } from './s3/config.js';
import { serverSideCopy } from './s3/copy.js';
import { isInvalidRange, isNotFound, KeyMapper } from './s3/keys.js';
import { abortUploadsTree } from './s3/multipart.js';
import { S3Writer } from './s3/writer.js';

/**
 * The S3 driver (AWS S3 and compatible stores such as Ceph's RADOS Gateway), with distribution's
 * bucket layout: every driver path is the object key `rootdirectory + path`; directories are prefixes.
 */
export class S3Driver implements StorageDriver {
  readonly name = 's3aws';
  readonly keys: KeyMapper;

  constructor(readonly options: S3DriverOptions, readonly client: S3Client = makeS3Client(options)) {
    this.keys = new KeyMapper(options.rootDirectory);
  }

  /** Build from distribution's `storage.s3` parameters. */
  static fromParameters(params: Record<string, unknown>): S3Driver {
    return new S3Driver(parseS3Options(params));
  }

  private get bucket(): string {
    return this.options.bucket;
  }

  async getContent(path: string): Promise<Buffer> {
    const Key = this.keys.key(checkPath(path));
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (e) {
      if (isNotFound(e)) throw new PathNotFoundError(path);
      throw e;
    }
  }

  async putContent(path: string, data: Uint8Array): Promise<void> {
    const Key = this.keys.key(checkPath(path));
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: data, ...objectParams(this.options) }));
  }

  async reader(path: string, offset = 0): Promise<Readable> {
    const Key = this.keys.key(checkPath(path));
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidOffsetError(path, offset);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range: offset > 0 ? `bytes=${offset}-` : undefined }));
      return r.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) throw new PathNotFoundError(path);
      if (!isInvalidRange(e)) throw e;
    }
    // 416: the offset is at or past the end. At the end is an empty read, past it an error.
    const { size } = await this.stat(path);
    if (offset === size) return Readable.from([]);
    throw new InvalidOffsetError(path, offset);
  }

  async writer(path: string, opts: { append?: boolean } = {}): Promise<FileWriter> {
    return S3Writer.open(this.client, this.options, this.keys.key(checkPath(path)), opts.append === true);
  }

  async stat(path: string): Promise<FileInfo> {
    checkDirPath(path);
    if (path !== '/') {
      try {
        const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keys.key(path) }));
        return { path, size: h.ContentLength ?? 0, modTime: h.LastModified ?? new Date(0), isDir: false };
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.keys.dirPrefix(path), MaxKeys: 1 }));
    const first = r.Contents?.[0];
    if (!first) throw new PathNotFoundError(path);
    return { path, size: 0, modTime: first.LastModified ?? new Date(0), isDir: true };
  }

  async list(path: string): Promise<string[]> {
    const Prefix = this.keys.dirPrefix(checkDirPath(path));
    const names = new Set<string>();
    let ContinuationToken: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, Delimiter: '/', ContinuationToken }));
      for (const c of r.CommonPrefixes ?? []) if (c.Prefix) names.add(c.Prefix.slice(Prefix.length).replace(/\/$/, ''));
      for (const c of r.Contents ?? []) if (c.Key && c.Key.length > Prefix.length) names.add(c.Key.slice(Prefix.length));
      ContinuationToken = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (ContinuationToken);
    if (names.size === 0 && path !== '/') throw new PathNotFoundError(path);
    return [...names].sort();
  }

  async move(from: string, to: string): Promise<void> {
    const src = this.keys.key(checkPath(from));
    const dst = this.keys.key(checkPath(to));
    let size: number;
    try {
      size = (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: src }))).ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) throw new PathNotFoundError(from);
      throw e;
    }
    await serverSideCopy(this.client, this.options, src, dst, size);
    await this.deleteKeys([src]);
  }

  async delete(path: string): Promise<void> {
    const key = this.keys.key(checkPath(path));
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, ContinuationToken }));
      for (const c of r.Contents ?? []) if (c.Key === key || c.Key?.startsWith(`${key}/`)) keys.push(c.Key);
      ContinuationToken = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (ContinuationToken);
    // Uploads a crashed writer left in progress under the tree would otherwise be billed forever.
    await abortUploadsTree(this.client, this.bucket, key);
    if (keys.length === 0) throw new PathNotFoundError(path);
    await this.deleteKeys(keys);
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const Objects = keys.slice(i, i + 1000).map((Key) => ({ Key }));
      const r = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } }));
      const failed = (r.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length) throw new Error(`s3 delete: ${failed[0]?.Key}: ${failed[0]?.Code} ${failed[0]?.Message ?? ''}`);
    }
  }

  /** A presigned URL for GET/HEAD of the object, valid `redirectexpiry` seconds (20 minutes by default). */
  async redirectURL(path: string, method: 'GET' | 'HEAD'): Promise<string | undefined> {
    const Key = this.keys.key(checkPath(path));
    const cmd = method === 'GET' ? new GetObjectCommand({ Bucket: this.bucket, Key }) : new HeadObjectCommand({ Bucket: this.bucket, Key });
    return getSignedUrl(this.client, cmd, { expiresIn: this.options.redirectExpiry });
  }

  /** Release the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }
}
