import type { Middleware } from './types.js';

export type LogSink = (line: string) => void;

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-registry-auth']);
const SECRET_PARAMS = /^(?:password|passwd|token|access_token|refresh_token|identitytoken|client_secret|secret)$/i;

/** Replace the secret parts of a header value (keeps the scheme: `Bearer <redacted>`). */
export function redactHeader(name: string, value: string): string {
  if (!SECRET_HEADERS.has(name.toLowerCase())) return value;
  const sp = value.indexOf(' ');
  return sp > 0 ? `${value.slice(0, sp)} <redacted>` : '<redacted>';
}

/** A URL safe to print: userinfo and secret-looking query parameters removed, `_state` shortened. */
export function redactUrl(url: URL): string {
  const u = new URL(url.href);
  if (u.username || u.password) {
    u.username = 'redacted';
    u.password = '';
  }
  for (const k of [...u.searchParams.keys()]) {
    if (SECRET_PARAMS.test(k)) u.searchParams.set(k, 'redacted');
    else if (k === '_state') u.searchParams.set(k, `${u.searchParams.get(k)!.slice(0, 12)}…`);
  }
  return u.href;
}

/** Debug log of every request and response (`-v`), with secrets redacted. */
export function loggingMiddleware(sink: LogSink, opts: { headers?: boolean } = {}): Middleware {
  return (next) => async (req) => {
    const t0 = Date.now();
    sink(`> ${req.method} ${redactUrl(req.url)}`);
    if (opts.headers) for (const [k, v] of Object.entries(req.headers ?? {})) sink(`>   ${k}: ${redactHeader(k, v)}`);
    try {
      const res = await next(req);
      sink(`< ${res.status} ${req.method} ${redactUrl(req.url)} (${Date.now() - t0} ms)`);
      if (opts.headers) {
        for (const [k, v] of Object.entries(res.headers)) {
          for (const one of Array.isArray(v) ? v : [v ?? '']) sink(`<   ${k}: ${redactHeader(k, one)}`);
        }
      }
      return res;
    } catch (err) {
      sink(`! ${req.method} ${redactUrl(req.url)}: ${(err as Error).message}`);
      throw err;
    }
  };
}
