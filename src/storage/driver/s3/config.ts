import { type ObjectCannedACL, S3Client, type S3ClientConfig, type ServerSideEncryption, type StorageClass } from '@aws-sdk/client-s3';
import { UsageError } from '../../../errors/errors.js';

const MiB = 1024 * 1024;
/** S3's smallest allowed non-final multipart part. */
export const MIN_CHUNK_SIZE = 5 * MiB;
/** S3's largest single part / single CopyObject source. */
export const MAX_PART_SIZE = 5 * 1024 * MiB;

/** distribution's `storage.s3` keys, parsed; defaults as in distribution 2.8. */
export interface S3DriverOptions {
  accessKey?: string;
  secretKey?: string;
  sessionToken?: string;
  region: string;
  regionEndpoint?: string;
  bucket: string;
  rootDirectory: string;
  forcePathStyle: boolean;
  secure: boolean;
  chunkSize: number;
  multipartCopyChunkSize: number;
  multipartCopyMaxConcurrency: number;
  multipartCopyThresholdSize: number;
  storageClass?: string;
  encrypt: boolean;
  keyId?: string;
  objectAcl?: string;
  /** Presigned URL lifetime in seconds (distribution: 20 minutes). */
  redirectExpiry: number;
}

export class S3ConfigError extends UsageError {}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new S3ConfigError(`expected a string, got ${typeof v}`);
}

function bool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null || v === '') return dflt;
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new S3ConfigError(`storage.s3.${name}: expected a boolean, got ${JSON.stringify(v)}`);
}

function int(name: string, v: unknown, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new S3ConfigError(`storage.s3.${name}: ${JSON.stringify(v)} is not an integer in [${min}, ${max}]`);
  }
  return n;
}

/** Parse the `storage.s3` mapping of a distribution config (keys are lower-case, values may be strings). */
export function parseS3Options(params: Record<string, unknown>): S3DriverOptions {
  const bucket = str(params.bucket);
  if (!bucket) throw new S3ConfigError('storage.s3.bucket is required');
  const regionEndpoint = str(params.regionendpoint);
  const region = str(params.region) ?? (regionEndpoint ? 'us-east-1' : undefined);
  if (!region) throw new S3ConfigError('storage.s3.region is required (or set regionendpoint)');
  const root = str(params.rootdirectory) ?? '';
  return {
    accessKey: str(params.accesskey),
    secretKey: str(params.secretkey),
    sessionToken: str(params.sessiontoken),
    region,
    regionEndpoint,
    bucket,
    rootDirectory: root.replace(/^\/+|\/+$/g, ''),
    forcePathStyle: bool('forcepathstyle', params.forcepathstyle, false),
    secure: bool('secure', params.secure, true),
    chunkSize: int('chunksize', params.chunksize, 2 * MIN_CHUNK_SIZE, MIN_CHUNK_SIZE, MAX_PART_SIZE),
    multipartCopyChunkSize: int('multipartcopychunksize', params.multipartcopychunksize, 32 * MiB, MIN_CHUNK_SIZE, MAX_PART_SIZE),
    multipartCopyMaxConcurrency: int('multipartcopymaxconcurrency', params.multipartcopymaxconcurrency, 100, 1),
    multipartCopyThresholdSize: int('multipartcopythresholdsize', params.multipartcopythresholdsize, 32 * MiB, 0, MAX_PART_SIZE),
    storageClass: str(params.storageclass),
    encrypt: bool('encrypt', params.encrypt, false),
    keyId: str(params.keyid),
    objectAcl: str(params.objectacl),
    redirectExpiry: int('redirectexpiry', params.redirectexpiry, 20 * 60, 1, 7 * 24 * 3600),
  };
}

/** The endpoint URL: distribution accepts a bare host and picks the scheme from `secure`. */
export function endpointURL(o: S3DriverOptions): string | undefined {
  if (!o.regionEndpoint) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(o.regionEndpoint)) return o.regionEndpoint;
  return `${o.secure ? 'https' : 'http'}://${o.regionEndpoint}`;
}

/**
 * Build the SDK client. Static keys when both are set, else the standard AWS chain
 * (environment, shared config/credentials profile, web identity, container/instance metadata).
 * Checksums only WHEN_REQUIRED: S3-compatible stores (Ceph pacific) reject the aws-chunked trailer.
 */
export function makeS3Client(o: S3DriverOptions): S3Client {
  // dist pins an SDK release that supports Node 20 on purpose; its "newer releases need Node 22"
  // warning would print on every `dist serve` start. Users can still set the variable themselves.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const cfg: S3ClientConfig = {
    region: o.region,
    forcePathStyle: o.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  };
  const endpoint = endpointURL(o);
  if (endpoint) cfg.endpoint = endpoint;
  if (o.accessKey && o.secretKey) {
    cfg.credentials = { accessKeyId: o.accessKey, secretAccessKey: o.secretKey, sessionToken: o.sessionToken };
  }
  return new S3Client(cfg);
}

/** Parameters every object-creating call carries (PutObject, CopyObject, CreateMultipartUpload). */
export function objectParams(o: S3DriverOptions): {
  ContentType: string;
  StorageClass?: StorageClass;
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
  ACL?: ObjectCannedACL;
} {
  const p: ReturnType<typeof objectParams> = { ContentType: 'application/octet-stream' };
  if (o.storageClass && o.storageClass.toUpperCase() !== 'NONE') p.StorageClass = o.storageClass as StorageClass;
  if (o.encrypt) p.ServerSideEncryption = o.keyId ? 'aws:kms' : 'AES256';
  if (o.encrypt && o.keyId) p.SSEKMSKeyId = o.keyId;
  if (o.objectAcl) p.ACL = o.objectAcl as ObjectCannedACL;
  return p;
}
