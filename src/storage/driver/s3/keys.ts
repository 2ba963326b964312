/**
 * Driver path ↔ object key, exactly as distribution's s3 driver maps them:
 * key = trimLeft(trimRight(rootdirectory, "/") + path, "/"). Directories are key prefixes.
 */
export class KeyMapper {
  /** rootdirectory without leading/trailing slashes ('' for the bucket root). */
  constructor(readonly root: string) {}

  /** Object key of a driver path (`/docker/registry/v2/...`). */
  key(path: string): string {
    return this.root ? `${this.root}${path}` : path.slice(1);
  }

  /** Listing prefix of a directory path: its key plus `/` ('' for the root of an unprefixed bucket). */
  dirPrefix(path: string): string {
    if (path === '/') return this.root ? `${this.root}/` : '';
    return `${this.key(path)}/`;
  }
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function shape(e: unknown): SdkErrorShape {
  return (e && typeof e === 'object' ? e : {}) as SdkErrorShape;
}

/** A missing key or bucket (GetObject NoSuchKey, HeadObject NotFound, CopyObject source NoSuchKey). */
export function isNotFound(e: unknown): boolean {
  const s = shape(e);
  return s.name === 'NoSuchKey' || s.name === 'NotFound' || s.Code === 'NoSuchKey' || s.$metadata?.httpStatusCode === 404;
}

/** A Range beyond the end of the object (416). */
export function isInvalidRange(e: unknown): boolean {
  const s = shape(e);
  return s.name === 'InvalidRange' || s.$metadata?.httpStatusCode === 416;
}

/** A multipart upload id the store no longer knows. */
export function isNoSuchUpload(e: unknown): boolean {
  const s = shape(e);
  return s.name === 'NoSuchUpload' || s.Code === 'NoSuchUpload';
}
