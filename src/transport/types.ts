import type { Readable } from 'node:stream';
import type { FileRange } from '../content/file-range.js';

/** A request as it flows through the pipeline. Bodies that are strings or bytes can be replayed. */
export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A Readable body is sent once and never retried; strings and bytes may be resent. */
  body?: string | Uint8Array | Readable;
  /** Token scopes this request needs (`repository:NAME:pull,push`, `registry:catalog:*`). */
  scopes?: string[];
  /** Set false to disable automatic retries (the caller recovers by itself, e.g. upload chunks). */
  retry?: boolean;
  signal?: AbortSignal;
  /** A large body is expected (a blob GET): over plain HTTP it may be read without undici (direct-get.ts). */
  bulk?: boolean;
  /**
   * The body's bytes lie in this file (from `start`, Content-Length of them): over plain HTTP they
   * may be sent from it without undici (direct-upload.ts); `body` is what undici sends otherwise.
   */
  fileBody?: FileRange;
  /** Bytes of the body sent so far, when direct-upload.ts sends it (undici's path reads `body`). */
  bodyProgress?: (bytes: number) => void;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names. Repeated headers are arrays. */
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** The URL that produced this response (after redirects). */
  url: URL;
}

export type Handler = (req: HttpRequest) => Promise<HttpResponse>;
export type Middleware = (next: Handler) => Handler;

/** Compose middlewares: the first one listed sees the request first. */
export function compose(base: Handler, ...middlewares: Middleware[]): Handler {
  return middlewares.reduceRight<Handler>((next, mw) => mw(next), base);
}

/** First value of a header (case-insensitive). */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a header, split into separate entries as sent. */
export function headerAll(res: HttpResponse, name: string): string[] {
  const v = res.headers[name.toLowerCase()];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function isReplayable(body: HttpRequest['body']): boolean {
  return body === undefined || typeof body === 'string' || body instanceof Uint8Array;
}

/**
 * Close a response body nobody will read (and its connection). undici's bodies emit an abort
 * 'error' when destroyed before their end: it is expected here, not a crash.
 */
export function abandon(res: HttpResponse): void {
  res.body.on('error', () => { /* closed on purpose */ });
  res.body.destroy();
}

/** Throw away a response body so the connection can be reused. */
export async function discard(res: HttpResponse): Promise<void> {
  if (res.body.destroyed) return; // its 'close' has been or is being emitted: nothing to wait for
  try {
    res.body.resume();
    if (!res.body.readableEnded) await new Promise<void>((resolve) => { res.body.once('end', resolve); res.body.once('error', () => resolve()); res.body.once('close', resolve); });
  } catch {
    /* ignore */
  }
}

/** Read a body fully, failing past `cap` bytes (for metadata and error bodies only). */
export async function readCapped(body: Readable, cap: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    const b = c as Buffer;
    n += b.length;
    if (n > cap) {
      body.destroy();
      return undefined;
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
