import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';

/** One uploaded part of an in-progress multipart upload. */
export interface UploadedPart {
  PartNumber: number;
  ETag: string;
  Size: number;
}

/** In-progress multipart uploads whose key is exactly `key` (a prefix listing also returns longer keys). */
export async function uploadsFor(client: S3Client, bucket: string, key: string): Promise<Array<{ uploadId: string; initiated: number }>> {
  return (await uploadsUnder(client, bucket, key, (k) => k === key)).map(({ uploadId, initiated }) => ({ uploadId, initiated }));
}

/** In-progress multipart uploads whose key starts with `prefix` and passes `keep`. */
export async function uploadsUnder(
  client: S3Client,
  bucket: string,
  prefix: string,
  keep: (key: string) => boolean,
): Promise<Array<{ key: string; uploadId: string; initiated: number }>> {
  const out: Array<{ key: string; uploadId: string; initiated: number }> = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const r = await client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
    );
    for (const u of r.Uploads ?? []) {
      if (u.Key && u.UploadId && keep(u.Key)) out.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated?.getTime() ?? 0 });
    }
    if (!r.IsTruncated) break;
    keyMarker = r.NextKeyMarker;
    uploadIdMarker = r.NextUploadIdMarker;
    if (!keyMarker && !uploadIdMarker) break;
  }
  return out;
}

/**
 * The in-progress upload to resume for `key`, as distribution finds it: by listing multipart
 * uploads under the key. When several exist (a crash between create and abort), the newest wins.
 */
export async function findUpload(client: S3Client, bucket: string, key: string): Promise<string | undefined> {
  const all = await uploadsFor(client, bucket, key);
  all.sort((a, b) => b.initiated - a.initiated);
  return all[0]?.uploadId;
}

/** All parts uploaded so far, in part-number order. */
export async function listAllParts(client: S3Client, bucket: string, key: string, uploadId: string): Promise<UploadedPart[]> {
  const parts: UploadedPart[] = [];
  let marker: string | undefined;
  for (;;) {
    const r = await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
    for (const p of r.Parts ?? []) parts.push({ PartNumber: p.PartNumber ?? 0, ETag: p.ETag ?? '', Size: p.Size ?? 0 });
    if (!r.IsTruncated || !r.NextPartNumberMarker) break;
    marker = r.NextPartNumberMarker;
  }
  return parts.sort((a, b) => a.PartNumber - b.PartNumber);
}

/** Abort every in-progress upload of `key` (a fresh writer replaces whatever was there). */
export async function abortUploads(client: S3Client, bucket: string, key: string): Promise<void> {
  await abortAll(client, bucket, await uploadsUnder(client, bucket, key, (k) => k === key));
}

/** Abort the in-progress uploads of `key` and of every key below `key/` (a deleted tree). */
export async function abortUploadsTree(client: S3Client, bucket: string, key: string): Promise<void> {
  await abortAll(client, bucket, await uploadsUnder(client, bucket, key, (k) => k === key || k.startsWith(`${key}/`)));
}

async function abortAll(client: S3Client, bucket: string, uploads: Array<{ key: string; uploadId: string }>): Promise<void> {
  for (const u of uploads) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.key, UploadId: u.uploadId })).catch(() => undefined);
  }
}
