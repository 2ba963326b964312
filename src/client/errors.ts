import { AuthError, fromWire, parseErrorEnvelope, RegistryError, TransportError } from '../errors/errors.js';
import type { ErrorCode } from '../errors/codes.js';
import { header, readCapped, type HttpResponse } from '../transport/types.js';

export const MAX_ERROR_BODY = 64 * 1024;

/**
 * Turn a non-success response into a typed error: the registry's envelope when it sent one, else
 * a code guessed from the status (`notFound` says which 404 code fits the endpoint).
 */
export async function responseError(res: HttpResponse, what: string, notFound: ErrorCode = 'NAME_UNKNOWN'): Promise<Error> {
  let body: Buffer | undefined;
  try {
    body = await readCapped(res.body, MAX_ERROR_BODY);
  } catch {
    body = undefined;
  }
  const wire = body ? parseErrorEnvelope(body.toString('utf8')) : [];
  const prefix = `${what}: `;
  if (wire.length) {
    const e = fromWire(wire, `HTTP ${res.status}`);
    const err = new RegistryError(e.code, prefix + e.message + retryAfterText(res), e.detail, { headers: rangeHeader(res) });
    if (e.code === 'UNAUTHORIZED') Object.assign(err, { hint: 'run "dist login" or pass --creds' });
    return err;
  }
  if (res.status === 400 && body && /HTTP request to an HTTPS server/i.test(body.toString('utf8'))) {
    return Object.assign(new TransportError(`${prefix}the registry speaks HTTPS, not plain HTTP`), { hint: 'pass --ca-file FILE to trust its certificate, or --insecure' });
  }
  const code = codeForStatus(res.status, notFound);
  if (code) {
    const err = new RegistryError(code, `${prefix}${statusText(res.status)}${retryAfterText(res)}`, undefined, { headers: rangeHeader(res) });
    if (code === 'UNAUTHORIZED') Object.assign(err, { hint: 'run "dist login" or pass --creds' });
    return err;
  }
  if (res.status >= 500) return new TransportError(`${prefix}registry answered HTTP ${res.status}${retryAfterText(res)}`);
  if (res.status === 407) return new AuthError(`${prefix}proxy authentication required`);
  return new RegistryError('UNKNOWN', `${prefix}unexpected HTTP ${res.status}`);
}

/** A busy registry's `Retry-After` (seconds or a date) that was too long to wait for: tell the user. */
function retryAfterText(res: HttpResponse): string {
  if (res.status !== 429 && res.status < 500) return '';
  const v = header(res, 'retry-after')?.trim();
  if (!v) return '';
  const at = /^\d+$/.test(v) ? Date.now() + Number(v) * 1000 : Date.parse(v);
  if (Number.isNaN(at) || !Number.isFinite(at)) return '';
  const s = Math.max(0, Math.round((at - Date.now()) / 1000));
  const when = s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  return ` (the registry asks to retry in ${when}; try again then)`;
}

function rangeHeader(res: HttpResponse): Record<string, string> {
  const r = header(res, 'range');
  return r ? { range: r } : {};
}

function codeForStatus(status: number, notFound: ErrorCode): ErrorCode | undefined {
  switch (status) {
    case 401: return 'UNAUTHORIZED';
    case 403: return 'DENIED';
    case 404: return notFound;
    case 405: return 'UNSUPPORTED';
    case 413: return 'MANIFEST_TOO_BIG';
    case 416: return 'RANGE_INVALID';
    case 429: return 'TOOMANYREQUESTS';
    case 503: return 'UNAVAILABLE';
    default: return undefined;
  }
}

function statusText(status: number): string {
  return `HTTP ${status}${status === 404 ? ' not found' : status === 401 ? ' unauthorized' : status === 403 ? ' denied' : ''}`;
}
