import { Readable } from 'node:stream';
import { algorithmOf, isDigest } from '../digest/digest.js';
import { DigestMismatchError, RegistryError, SizeMismatchError, TransportError } from '../errors/errors.js';
import type { Descriptor } from '../oci/types.js';
import { isNetworkError } from '../transport/base.js';
import { isRetryableStatus, parseRetryAfter } from '../transport/retry.js';
import { discard, header, type HttpResponse } from '../transport/types.js';
import { fileRangeOf } from '../content/file-range.js';
import { ChunkReader } from './chunks.js';
import type { RepoContext } from './context.js';
import { responseError } from './errors.js';
import type { UploadJournal } from './journal.js';
import { routes, withQuery } from './routes.js';
import { isLostUpload, newestLocation, nextOffset, uploadStatus, type UploadPosition } from './upload-status.js';

/** Blobs up to this size go in one PUT (held in memory, so a lost session can be resent). */
export const MONOLITHIC_MAX = 16 * 1024 * 1024;

export interface BlobUploadOptions {
  /**
   * Unset: blobs up to MONOLITHIC_MAX go in one PUT, larger ones in one streamed PATCH (what
   * docker, skopeo and crane do). Set: blobs up to this size go in one PUT, larger ones in PATCH
   * chunks of this size, each acknowledged before the next is sent.
   */
  chunkSize?: number;
  /** Where acknowledged chunks are recorded so a later run can resume. */
  journal?: UploadJournal;
  signal?: AbortSignal;
  /** Absolute position in the blob acknowledged so far. */
  onProgress?: (bytes: number) => void;
  /** Called when an upload continues from an earlier run (offset = bytes the registry already had). */
  onResumed?: (offset: number) => void;
  /** Re-open the source from its start, to restart a blob whose upload session was lost. */
  reopen?: () => Promise<Readable>;
  maxRestarts?: number;
}

/** Raised inside the upload loop when the session can no longer continue. */
class LostUploadError extends TransportError {}

/** A streamed PATCH broke off: the source is re-opened and the upload resumes where the registry says. */
class InterruptedStreamError extends TransportError {}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
const OCTET = 'application/octet-stream';

function pushScopes(ctx: RepoContext): string[] {
  return [`repository:${ctx.repository}:pull,push`];
}

/** `POST /blobs/uploads/` → a fresh session. */
export async function startUpload(ctx: RepoContext, signal?: AbortSignal): Promise<UploadPosition> {
  const url = routes.uploads(ctx.origin, ctx.repository);
  const res = await ctx.send({ method: 'POST', url, headers: { 'content-length': '0' }, scopes: pushScopes(ctx), signal });
  if (res.status !== 202) throw await responseError(res, `start upload to ${ctx.repository}`);
  await discard(res);
  if (!header(res, 'location')) throw new RegistryError('UNKNOWN', `start upload to ${ctx.repository}: registry sent no Location`);
  const min = Number(header(res, 'oci-chunk-min-length'));
  return { location: newestLocation(res, url), offset: 0, ...(Number.isSafeInteger(min) && min > 0 ? { minChunk: min } : {}) };
}

async function finish(ctx: RepoContext, desc: Descriptor, pos: UploadPosition, body: Buffer | undefined, signal?: AbortSignal): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'content-type': OCTET, 'content-length': String(body?.length ?? 0) };
  return ctx.send({ method: 'PUT', url: withQuery(pos.location, { digest: desc.digest }), headers, body: body ?? '', scopes: pushScopes(ctx), retry: body === undefined, signal });
}

async function blobPresent(ctx: RepoContext, desc: Descriptor): Promise<boolean> {
  try {
    const res = await ctx.send({ method: 'HEAD', url: routes.blob(ctx.origin, ctx.repository, desc.digest), scopes: [`repository:${ctx.repository}:pull`] });
    await discard(res);
    return res.status === 200;
  } catch {
    return false;
  }
}

/** A 201 naming another digest (same algorithm) than the one sent means the registry stored other bytes. */
async function stored(res: HttpResponse, desc: Descriptor): Promise<void> {
  await discard(res);
  const claimed = header(res, 'docker-content-digest');
  if (claimed && isDigest(claimed) && algorithmOf(claimed) === algorithmOf(desc.digest) && claimed !== desc.digest) {
    throw new DigestMismatchError(desc.digest, claimed, `upload ${desc.digest} (the registry says it stored other bytes)`);
  }
}

/** All bytes are with the registry: check the source has nothing more, then `PUT ?digest=`. */
async function complete(ctx: RepoContext, desc: Descriptor, reader: ChunkReader | undefined, pos: UploadPosition, signal?: AbortSignal): Promise<void> {
  // (no reader: the bytes went out from the file itself, whose size was checked there)
  if (reader && !(await reader.atEnd())) throw new SizeMismatchError(desc.size, desc.size + 1, desc.digest);
  const res = await finish(ctx, desc, pos, undefined, signal);
  if (res.status === 201 || res.status === 204) return stored(res, desc);
  const err = await responseError(res, `upload ${desc.digest}`, 'BLOB_UPLOAD_UNKNOWN');
  if (res.status === 404 && (await blobPresent(ctx, desc))) return;
  throw err;
}

/** Record where the upload of `desc` stands, so a later run can resume it. */
async function journal(ctx: RepoContext, desc: Descriptor, pos: UploadPosition, o: BlobUploadOptions): Promise<void> {
  await o.journal?.save({ registry: ctx.registry, repository: ctx.repository, digest: desc.digest, size: desc.size, location: pos.location.href, offset: pos.offset });
}

/** Small blob: POST then one PUT with the whole body; a lost session restarts from the buffer. */
async function monolithic(ctx: RepoContext, desc: Descriptor, reader: ChunkReader, first: UploadPosition, o: BlobUploadOptions): Promise<void> {
  const buf = await reader.read(desc.size);
  if (buf.length !== desc.size || !(await reader.atEnd())) throw new SizeMismatchError(desc.size, buf.length + (await reader.atEnd() ? 0 : 1), desc.digest);
  let pos = first;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await finish(ctx, desc, pos, buf, o.signal);
      if (res.status === 201 || res.status === 204) {
        await stored(res, desc);
        o.onProgress?.(desc.size);
        return;
      }
      throw await responseError(res, `upload ${desc.digest}`, 'BLOB_UPLOAD_UNKNOWN');
    } catch (err) {
      if (attempt >= 3 || !(isNetworkError(err) || isLostUpload(err))) throw err;
      if (await blobPresent(ctx, desc)) return;
      await sleep(200 * attempt, o.signal);
      pos = await startUpload(ctx, o.signal);
    }
  }
}

/** The bytes of `list` from `offset` on, as views of the same buffers. */
function sliceList(list: Buffer[], offset: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of list) {
    if (offset >= b.length) offset -= b.length;
    else {
      out.push(offset ? b.subarray(offset) : b);
      offset = 0;
    }
  }
  return out;
}

/** Chunked upload from `pos` to the end: PATCH with Content-Range, newest Location each time. */
async function chunked(ctx: RepoContext, desc: Descriptor, reader: ChunkReader, start: UploadPosition, o: BlobUploadOptions): Promise<void> {
  const chunkSize = Math.max(o.chunkSize ?? MONOLITHIC_MAX, start.minChunk ?? 0);
  let pos = start;
  let failures = 0;
  // a registry that acknowledges PATCHes without ever moving past an offset must not loop forever
  let stuck = 0;
  let lastFrom = -1;
  const record = async (): Promise<void> => {
    await journal(ctx, desc, pos, o);
    o.onProgress?.(pos.offset);
  };
  while (pos.offset < desc.size) {
    const chunkStart = pos.offset;
    // The chunk stays as the buffers it was read in: concatenating 16 MiB per chunk cost a copy of
    // every pushed byte and most of the client's GC time.
    const chunk = await reader.readList(Math.min(chunkSize, desc.size - chunkStart));
    const chunkLength = chunk.reduce((n, b) => n + b.length, 0);
    if (!chunkLength) throw new SizeMismatchError(desc.size, chunkStart, desc.digest);
    while (pos.offset < chunkStart + chunkLength) {
      const from = pos.offset;
      if (from < chunkStart) throw new LostUploadError(`upload ${desc.digest}: registry went back to offset ${from}`);
      stuck = from > lastFrom ? 0 : stuck + 1;
      lastFrom = from;
      if (stuck > 5) throw new RegistryError('BLOB_UPLOAD_INVALID', `upload ${desc.digest}: the registry keeps answering that it has ${from} bytes, whatever is sent`);
      const part = sliceList(chunk, from - chunkStart);
      const end = chunkStart + chunkLength - 1;
      let res: HttpResponse;
      try {
        res = await ctx.send({
          method: 'PATCH', url: pos.location, body: Readable.from(part, { objectMode: false }), retry: false, scopes: pushScopes(ctx), signal: o.signal,
          headers: { 'content-type': OCTET, 'content-range': `${from}-${end}`, 'content-length': String(end - from + 1) },
        });
      } catch (err) {
        if (!isNetworkError(err) || ++failures > 5) throw err;
        await sleep(Math.min(4000, 100 * 2 ** failures), o.signal);
        const st = await uploadStatus(ctx, pos.location, from === 1 ? 1 : 0, o.signal);
        if (!st) throw new LostUploadError(`upload ${desc.digest}: session lost after a network error`, { cause: err });
        pos = st;
        continue;
      }
      if (res.status === 202 || res.status === 204) {
        await discard(res);
        const off = nextOffset(header(res, 'range'), 1) ?? end + 1;
        pos = { location: newestLocation(res, pos.location), offset: off };
        if (off > chunkStart + chunkLength) throw new LostUploadError(`upload ${desc.digest}: registry claims offset ${off} beyond ${chunkStart + chunkLength}`);
        await record();
        continue;
      }
      if (isRetryableStatus(res.status) && ++failures <= 5) {
        // busy or failing registry: wait (Retry-After when given), then ask where the upload stands
        await discard(res);
        const wait = parseRetryAfter(header(res, 'retry-after'), Date.now()) ?? Math.min(4000, 100 * 2 ** failures);
        await sleep(Math.min(wait, 30_000), o.signal);
        const st = await uploadStatus(ctx, newestLocation(res, pos.location), from === 1 ? 1 : 0, o.signal);
        if (!st) throw new LostUploadError(`upload ${desc.digest}: session lost after HTTP ${res.status}`);
        pos = st;
        continue;
      }
      if (res.status === 416) {
        await discard(res);
        const st = await uploadStatus(ctx, newestLocation(res, pos.location), 0, o.signal);
        if (!st) throw new LostUploadError(`upload ${desc.digest}: range rejected and status unknown`);
        pos = st;
        continue;
      }
      throw await responseError(res, `upload ${desc.digest}`, 'BLOB_UPLOAD_UNKNOWN');
    }
  }
  return complete(ctx, desc, reader, pos, o.signal);
}

/**
 * The rest of the blob (from `start`) in one PATCH whose body streams from the source: no
 * per-chunk round trips and nothing buffered beyond the socket. The session is journaled before
 * the first byte goes out, so a killed run resumes from what the registry reports (`GET` status);
 * a connection lost mid-way raises InterruptedStreamError and uploadBlob continues the same way.
 * A fresh upload sends no Content-Range (a streamed upload, as docker does); a resumed one does.
 */
async function streamed(ctx: RepoContext, desc: Descriptor, reader: ChunkReader, start: UploadPosition, o: BlobUploadOptions): Promise<void> {
  const from = start.offset;
  let pos = start;
  await journal(ctx, desc, pos, o);
  if (from < desc.size) {
    let sent = 0;
    let overrun = false;
    let sourceError: unknown;
    async function* rest(): AsyncGenerator<Buffer> {
      for (;;) {
        let list: Buffer[];
        try {
          list = await reader.readList(4 * 1024 * 1024);
        } catch (e) {
          sourceError = e;
          throw e;
        }
        if (!list.length) return;
        for (const b of list) {
          sent += b.length;
          if (from + sent > desc.size) {
            overrun = true;
            throw new SizeMismatchError(desc.size, from + sent, desc.digest);
          }
          o.onProgress?.(from + sent);
          yield b;
        }
      }
    }
    const headers: Record<string, string> = { 'content-type': OCTET, 'content-length': String(desc.size - from) };
    if (from > 0) headers['content-range'] = `${from}-${desc.size - 1}`;
    // a fresh upload from a local file may be sent from the file itself (direct-upload.ts): then
    // the transport reports what went out, and `rest()` is never read
    const file = from === 0 && reader.position === 0 ? fileRangeOf(reader.source) : undefined;
    const direct = file ? { fileBody: file, bodyProgress: (n: number) => { sent = n; o.onProgress?.(n); } } : {};
    let res: HttpResponse;
    try {
      res = await ctx.send({ method: 'PATCH', url: pos.location, body: Readable.from(rest(), { objectMode: false }), retry: false, scopes: pushScopes(ctx), signal: o.signal, headers, ...direct });
    } catch (err) {
      if (overrun) throw new SizeMismatchError(desc.size, desc.size + 1, desc.digest);
      // A source that failed (a dropped download feeding a copy) is re-opened like a broken
      // upload; any other source error is the answer. Only a source that ended cleanly is short.
      if (sourceError !== undefined) {
        if (isNetworkError(sourceError) && !o.signal?.aborted) throw new InterruptedStreamError(`upload ${desc.digest}: the source failed after ${from + sent} bytes`, { cause: sourceError });
        throw sourceError;
      }
      if (sent < desc.size - from && (await reader.atEnd().catch(() => false))) throw new SizeMismatchError(desc.size, from + sent, desc.digest);
      if (o.signal?.aborted || !isNetworkError(err)) throw err;
      throw new InterruptedStreamError(`upload ${desc.digest}: connection lost after ${from + sent} of ${desc.size} bytes`, { cause: err });
    }
    if (res.status !== 202 && res.status !== 204) {
      if (isRetryableStatus(res.status)) {
        await discard(res);
        throw new InterruptedStreamError(`upload ${desc.digest}: HTTP ${res.status} while streaming`);
      }
      throw await responseError(res, `upload ${desc.digest}`, 'BLOB_UPLOAD_UNKNOWN');
    }
    await discard(res);
    const off = nextOffset(header(res, 'range'), 1) ?? desc.size;
    pos = { location: newestLocation(res, pos.location), offset: off };
    if (off !== desc.size) throw new InterruptedStreamError(`upload ${desc.digest}: registry has ${off} of ${desc.size} bytes after the stream`);
    await journal(ctx, desc, pos, o);
    if (file && reader.position === 0) {
      reader.close(); // the stream was never read: the file went out directly
      return complete(ctx, desc, undefined, pos, o.signal);
    }
  }
  return complete(ctx, desc, reader, pos, o.signal);
}

/** The registry refused the bytes themselves: resuming that session would only fail again. */
function isRejectedContent(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'DIGEST_INVALID' || code === 'SIZE_INVALID' || err instanceof SizeMismatchError || err instanceof DigestMismatchError;
}

/** One pass: resume from the journal when the registry agrees, else start a new session. */
async function attempt(ctx: RepoContext, desc: Descriptor, reader: ChunkReader, o: BlobUploadOptions, resume: boolean): Promise<void> {
  const chunkSize = o.chunkSize ?? MONOLITHIC_MAX;
  let pos: UploadPosition | undefined;
  const entry = resume ? await o.journal?.get(ctx.registry, ctx.repository, desc.digest) : undefined;
  if (entry && entry.size === desc.size) {
    pos = await uploadStatus(ctx, new URL(entry.location), entry.offset === 1 ? 1 : 0, o.signal).catch(() => undefined);
    if (pos && (pos.offset > desc.size || pos.offset < 0)) pos = undefined;
    if (pos && pos.offset > 0) {
      const skipped = await reader.skip(pos.offset);
      if (skipped !== pos.offset) throw new SizeMismatchError(desc.size, skipped, desc.digest);
      o.onResumed?.(pos.offset);
      o.onProgress?.(pos.offset);
    }
  }
  if (entry && !pos) await o.journal?.delete(ctx.registry, ctx.repository, desc.digest);
  if (!pos) {
    pos = await startUpload(ctx, o.signal);
    // a chunk is held in memory: a minimum the registry announces beyond MONOLITHIC_MAX (1 TiB,
    // say) is met by streaming the whole blob in one PATCH instead of buffering it
    const min = pos.minChunk ?? 0;
    if (min > MONOLITHIC_MAX) return streamed(ctx, desc, reader, pos, o);
    if (desc.size <= Math.max(chunkSize, min)) return monolithic(ctx, desc, reader, pos, o);
  }
  return o.chunkSize ? chunked(ctx, desc, reader, pos, o) : streamed(ctx, desc, reader, pos, o);
}

/**
 * Upload a blob: monolithic when small, else streamed (or chunked, with `chunkSize`) with a
 * resumable journal. When a stream breaks off, the source is re-opened and the upload continues
 * from what the registry has; when the registry loses the session, the blob restarts cleanly from
 * `reopen()` (at most `maxRestarts` times in all).
 */
export async function uploadBlob(ctx: RepoContext, desc: Descriptor, body: Readable, o: BlobUploadOptions = {}): Promise<void> {
  let source = body;
  let resume = true;
  for (let restarts = 0; ; restarts++) {
    const reader = new ChunkReader(source);
    try {
      await attempt(ctx, desc, reader, o, resume);
      await o.journal?.delete(ctx.registry, ctx.repository, desc.digest);
      return;
    } catch (err) {
      reader.close();
      const interrupted = err instanceof InterruptedStreamError;
      const lost = err instanceof LostUploadError || isLostUpload(err);
      if (lost || isRejectedContent(err)) await o.journal?.delete(ctx.registry, ctx.repository, desc.digest);
      if (!(lost || interrupted) || !o.reopen || restarts >= (o.maxRestarts ?? (interrupted ? 5 : 2))) throw err;
      resume = interrupted;
      if (interrupted) await sleep(Math.min(4000, 100 * 2 ** restarts), o.signal);
      source = await o.reopen();
    }
  }
}
