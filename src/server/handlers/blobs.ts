import { RegistryError } from '../../errors/errors.js';
import type { Handler } from '../context.js';
import { etagMatches, sendEmpty } from '../http.js';
import { parseRange } from '../range.js';
import { checkBlobDigest, checkDigest, checkName } from '../validate.js';
import { isTarsumDigest } from '../../digest/digest.js';
import { sendBody } from '../send-body.js';

/** `GET`/`HEAD /v2/<name>/blobs/<digest>`, with `Range` (206/416) and `If-None-Match` (304). */
export const getBlob: Handler = async ({ req, res, params, storage, emit, redirect }) => {
  const name = checkName(params.name);
  const asked = checkBlobDigest(params.digest);
  const size = await storage.repoBlobs.stat(name, asked);
  // a legacy tarsum is an alias: its link holds the canonical digest of the stored data
  const digest = isTarsumDigest(asked) ? ((await storage.repoBlobs.canonical(name, asked)) ?? asked) : asked;
  const headers: Record<string, string> = {
    'Docker-Content-Digest': digest,
    ETag: `"${digest}"`,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'max-age=31536000',
  };
  if (etagMatches(req, digest)) return sendEmpty(res, 304, headers);
  const location = redirect ? await storage.blobs.redirectURL(digest, req.method === 'HEAD' ? 'HEAD' : 'GET') : undefined;
  if (location) {
    if (req.method !== 'HEAD') emit({ action: 'pull', kind: 'blob', repository: name, digest, size, mediaType: 'application/octet-stream' });
    return sendEmpty(res, 307, { 'Docker-Content-Digest': digest, Location: location });
  }
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    throw new RegistryError('RANGE_INVALID', `range not satisfiable for a blob of ${size} bytes`, undefined, { headers: { 'Content-Range': `bytes */${size}` } });
  }
  const start = range?.start ?? 0;
  const length = range ? range.end - range.start + 1 : size;
  // Open the data before any header is set: a blob whose data went away since the stat (garbage
  // collection) was answered 404 with the blob's ETag, Content-Range and a one-year Cache-Control.
  const src = req.method === 'HEAD' ? undefined : await storage.blobs.reader(digest, start);
  res.statusCode = range ? 206 : 200;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Length', length);
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  if (!src) return void res.end();
  emit({ action: 'pull', kind: 'blob', repository: name, digest, size, mediaType: 'application/octet-stream' });
  await sendBody(src, length, res);
};

/** `DELETE /v2/<name>/blobs/<digest>`: unlink from the repository (202); data stays until GC. */
export const deleteBlob: Handler = async ({ res, params, storage, deleteEnabled, emit }) => {
  const name = checkName(params.name);
  const digest = checkDigest(params.digest);
  if (!deleteEnabled) throw new RegistryError('UNSUPPORTED', 'deletion is disabled (storage.delete.enabled)');
  await storage.repoBlobs.unlink(name, digest);
  emit({ action: 'delete', kind: 'blob', repository: name, digest });
  sendEmpty(res, 202, { 'Docker-Content-Digest': digest });
};
