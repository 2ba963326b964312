import type { Middleware } from './types.js';

/** TLS handshake failures that mean "this port speaks plain HTTP". */
function isPlainHttpPeer(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string; cause?: { code?: string; message?: string } } };
  const all = [e, e?.cause, e?.cause?.cause].filter(Boolean) as Array<{ code?: string; message?: string }>;
  return all.some((x) => x.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || x.code === 'EPROTO' || /wrong version number|packet length too long/i.test(x.message ?? ''));
}

/**
 * For hosts that may speak either (loopback registries with --insecure/--ca-file), try HTTPS
 * first and, when the TLS handshake shows a plain-HTTP server, use HTTP from then on (as docker
 * and skopeo do for insecure registries).
 */
export function httpsFallbackMiddleware(hosts: (host: string) => boolean): Middleware {
  const plain = new Set<string>();
  return (next) => async (req) => {
    if (req.url.protocol !== 'https:' || !hosts(req.url.host)) return next(req);
    const toHttp = (): URL => {
      const u = new URL(req.url.href);
      u.protocol = 'http:';
      return u;
    };
    if (plain.has(req.url.host)) return next({ ...req, url: toHttp() });
    try {
      return await next(req);
    } catch (err) {
      if (!isPlainHttpPeer(err)) throw err;
      plain.add(req.url.host);
      return next({ ...req, url: toHttp() });
    }
  };
}
