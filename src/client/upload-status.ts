import { RegistryError } from '../errors/errors.js';
import { discard, header, type HttpResponse } from '../transport/types.js';
import type { RepoContext } from './context.js';
import { responseError } from './errors.js';
import { resolveLocation } from './routes.js';

/**
 * Parse an upload `Range` header (`0-N`, `bytes=0-N`, inclusive) into the next offset.
 * `0-0` is ambiguous (0 or 1 byte): `zeroZero` says which to assume.
 */
export function nextOffset(range: string | undefined, zeroZero = 0): number | undefined {
  if (!range) return undefined;
  const m = /^(?:bytes=)?\s*(\d+)-(\d+)\s*$/.exec(range.trim());
  if (!m) return undefined;
  const end = Number(m[2]);
  if (Number(m[1]) === 0 && end === 0) return zeroZero;
  return end + 1;
}

export interface UploadPosition {
  location: URL;
  offset: number;
  /** `OCI-Chunk-Min-Length` announced when the session started (OCI 1.1). */
  minChunk?: number;
}

/** The newest `Location` of an upload response, or the one we used. */
export function newestLocation(res: HttpResponse, current: URL): URL {
  const loc = header(res, 'location');
  return loc ? resolveLocation(loc, current) : current;
}

/**
 * Ask the registry where an upload stands (`GET <location>` → 204 + Range). Resolves undefined
 * when the upload is unknown or can no longer be resumed (distribution answers 400/404).
 */
export async function uploadStatus(ctx: RepoContext, location: URL, zeroZero = 0, signal?: AbortSignal): Promise<UploadPosition | undefined> {
  const res = await ctx.send({ method: 'GET', url: location, scopes: [`repository:${ctx.repository}:pull,push`], signal });
  if (res.status === 204 || res.status === 200) {
    await discard(res);
    const offset = nextOffset(header(res, 'range'), zeroZero);
    return { location: newestLocation(res, location), offset: offset ?? 0 };
  }
  if (res.status === 404 || res.status === 400 || res.status === 416) {
    await discard(res);
    return undefined;
  }
  throw await responseError(res, 'upload status', 'BLOB_UPLOAD_UNKNOWN');
}

/** Cancel an upload session; errors ignored (best effort). */
export async function cancelUpload(ctx: RepoContext, location: URL): Promise<void> {
  try {
    const res = await ctx.send({ method: 'DELETE', url: location, scopes: [`repository:${ctx.repository}:pull,push`] });
    await discard(res);
  } catch {
    /* best effort */
  }
}

/** Errors after which an upload session is lost and the blob must restart from zero. */
export function isLostUpload(err: unknown): boolean {
  return err instanceof RegistryError && (err.code === 'BLOB_UPLOAD_INVALID' || err.code === 'BLOB_UPLOAD_UNKNOWN' || err.code === 'RANGE_INVALID');
}
