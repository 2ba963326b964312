import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { MIN_CHUNK_SIZE, objectParams, type S3DriverOptions } from './config.js';

/** The `CopySource` header value: bucket/key, URL-encoded (a raw key fails the signature on rgw and AWS). */
export function copySource(bucket: string, key: string): string {
  return encodeURIComponent(`${bucket}/${key}`);
}

/**
 * Server-side copy of `srcKey` (of `size` bytes) to `dstKey`: one CopyObject up to
 * multipartcopythresholdsize, above it a multipart upload of UploadPartCopy ranges of
 * multipartcopychunksize, at most multipartcopymaxconcurrency in flight (as distribution does).
 */
export async function serverSideCopy(client: S3Client, o: S3DriverOptions, srcKey: string, dstKey: string, size: number): Promise<void> {
  const source = copySource(o.bucket, srcKey);
  if (size <= o.multipartCopyThresholdSize) {
    await client.send(new CopyObjectCommand({ Bucket: o.bucket, Key: dstKey, CopySource: source, ...objectParams(o) }));
    return;
  }
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: o.bucket, Key: dstKey, ...objectParams(o) }));
  const uploadId = created.UploadId!;
  try {
    const copied = await copyRanges(client, o.bucket, dstKey, uploadId, source, 0, size, o.multipartCopyChunkSize, o.multipartCopyMaxConcurrency, 1);
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: o.bucket, Key: dstKey, UploadId: uploadId, MultipartUpload: { Parts: copied.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) } }),
    );
  } catch (e) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: dstKey, UploadId: uploadId })).catch(() => undefined);
    throw e;
  }
}

/**
 * UploadPartCopy bytes [start, end) of `source` into an open multipart upload as parts numbered from
 * `firstPart`, each `chunk` bytes (the last smaller), `concurrency` at a time. Returns the parts in order.
 */
export async function copyRanges(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
  source: string,
  start: number,
  end: number,
  chunk: number,
  concurrency: number,
  firstPart: number,
): Promise<Array<{ PartNumber: number; ETag: string; Size: number }>> {
  const ranges: Array<[number, number]> = [];
  for (let off = start; off < end; off += chunk) ranges.push([off, Math.min(off + chunk, end)]);
  // Every part but the last must be >= 5 MiB: fold a short tail into the part before it.
  const last = ranges[ranges.length - 1];
  if (ranges.length > 1 && last && last[1] - last[0] < MIN_CHUNK_SIZE) {
    ranges.pop();
    ranges[ranges.length - 1]![1] = last[1];
  }
  const parts = new Array<{ PartNumber: number; ETag: string; Size: number }>(ranges.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ranges.length) {
      const i = next++;
      const [a, b] = ranges[i]!;
      const r = await client.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: firstPart + i,
          CopySource: source,
          CopySourceRange: `bytes=${a}-${b - 1}`,
        }),
      );
      parts[i] = { PartNumber: firstPart + i, ETag: r.CopyPartResult?.ETag ?? '', Size: b - a };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ranges.length) }, worker));
  return parts;
}
