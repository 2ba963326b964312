import type { Readable } from 'node:stream';
import { DistError } from '../../errors/errors.js';

/**
 * The storage driver contract (distribution's, made async). Paths are slash-separated, start
 * with `/` and match `^(/[A-Za-z0-9._-]+)+$`; a driver never sees anything else.
 */
export interface StorageDriver {
  readonly name: string;
  /** Whole content of a small object (links, manifests). PathNotFoundError when missing. */
  getContent(path: string): Promise<Buffer>;
  /** Atomically replace an object: readers see the old or the new content, never a mix. */
  putContent(path: string, data: Uint8Array, opts?: PutOptions): Promise<void>;
  /** Stream an object from `offset`. PathNotFoundError when missing, InvalidOffsetError beyond its end. */
  reader(path: string, offset?: number): Promise<Readable>;
  /** Open a writer; with `append` it continues an existing object (resumable uploads). */
  writer(path: string, opts?: { append?: boolean }): Promise<FileWriter>;
  stat(path: string): Promise<FileInfo>;
  /** Names (not paths) of the direct children of a directory. PathNotFoundError when missing. */
  list(path: string): Promise<string[]>;
  /** Move an object into place atomically, replacing what is there. */
  move(from: string, to: string): Promise<void>;
  /** Delete an object or a whole directory tree. PathNotFoundError when missing. */
  delete(path: string): Promise<void>;
  /** A URL a client may fetch the object from directly, when the driver supports it. */
  redirectURL?(path: string, method: 'GET' | 'HEAD'): Promise<string | undefined>;
  /**
   * Cut an object back to its first `size` bytes (an upload rolls back a chunk it refused). Optional:
   * where a driver cannot (S3 multipart parts), the bytes stay and the upload's status reports them.
   */
  truncate?(path: string, size: number): Promise<void>;
  /** The object's file on this machine, where the driver keeps objects as local files (filesystem). */
  localPath?(path: string): string;
}

export interface PutOptions {
  /**
   * `false`: the object need not survive a power loss (an upload's own bookkeeping, which a client
   * starts again), so a driver that flushes objects to disk may skip that. Default true.
   */
  durable?: boolean;
}

export interface FileInfo {
  path: string;
  size: number;
  modTime: Date;
  isDir: boolean;
}

/** A writer for large objects: bytes become visible at `path` only after `commit()`+`close()`. */
export interface FileWriter {
  /** Bytes in the object so far (including what an appended writer found). */
  readonly size: number;
  /** Of those, the bytes already written out to the object (a local file's writer buffers some). */
  readonly flushed?: number;
  write(chunk: Uint8Array): Promise<void>;
  /** Flush and persist; after this the object holds exactly `size` bytes. */
  commit(): Promise<void>;
  /** Release the writer without deleting what was written (it can be appended to later). */
  close(): Promise<void>;
  /** Abandon and delete what this writer wrote. */
  cancel(): Promise<void>;
}

export class PathNotFoundError extends DistError {
  constructor(readonly path: string) {
    super('PATH_NOT_FOUND', `path not found: ${path}`);
  }
}

export class InvalidPathError extends DistError {
  constructor(readonly path: string) {
    super('INVALID_PATH', `invalid storage path: ${JSON.stringify(path).slice(0, 200)}`);
  }
}

export class InvalidOffsetError extends DistError {
  constructor(readonly path: string, readonly offset: number) {
    super('INVALID_OFFSET', `invalid offset ${offset} for ${path}`);
  }
}

const PATH_RE = /^(\/[A-Za-z0-9._-]+)+$/;

/** Reject anything that is not a clean absolute driver path (no `..`, no `.` components). */
export function checkPath(path: string): string {
  if (!PATH_RE.test(path) || path.split('/').some((c) => c === '.' || c === '..')) throw new InvalidPathError(path);
  return path;
}

/** Like checkPath, but `/` (the root) is allowed too (for list). */
export function checkDirPath(path: string): string {
  return path === '/' ? path : checkPath(path);
}
