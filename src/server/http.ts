import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from '../errors/errors.js';

/** Send a JSON body with its length. */
export function sendJSON(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): void {
  const body = Buffer.from(JSON.stringify(value));
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', body.length);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Send an empty response (`Content-Length: 0`). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status !== 204 && status !== 304) res.setHeader('Content-Length', 0);
  res.end();
}

/** Read a small body, failing with `tooBig` as soon as it exceeds `limit` (never buffers more). */
export async function readBody(req: IncomingMessage, limit: number, tooBig: () => RegistryError): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooBig();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooBig();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Does the request carry a body (Content-Length > 0 or chunked)? */
export function hasBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return Number(cl) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** Every media type in every `Accept` header, parameters dropped. */
export function acceptedTypes(req: IncomingMessage): string[] {
  const raw = req.headersDistinct?.accept ?? [];
  return raw.flatMap((h) => h.split(',')).map((t) => t.split(';')[0]!.trim().toLowerCase()).filter(Boolean);
}

/** Does an `If-None-Match` header match this ETag (quoted or not, or `*`)? */
export function etagMatches(req: IncomingMessage, digest: string): boolean {
  const h = req.headers['if-none-match'];
  if (!h) return false;
  return h.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return v === '*' || v === digest;
  });
}

/** Parse a Content-Range of an upload chunk: `<start>-<end>` (a `bytes ` prefix and `/total` are tolerated). */
export function parseChunkRange(h: string): { start: number; end: number } | undefined {
  const m = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})(?:\/(?:\d{1,15}|\*))?$/.exec(h.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  return end >= start ? { start, end } : undefined;
}

/** A client-sent `X-Request-Id` when it is well-formed (1–128 of `A-Za-z0-9._:-`), else undefined. */
export function givenRequestId(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(v) ? v : undefined;
}
