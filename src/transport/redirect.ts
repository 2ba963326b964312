import { RegistryError, TransportError } from '../errors/errors.js';
import { abandon, discard, header, type Middleware } from './types.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Follow redirects (blob GETs answered 307 to storage). Credentials are dropped when the redirect
 * leaves the original origin, so a token never reaches a third party.
 */
export function redirectMiddleware(max = 5): Middleware {
  return (next) => async (req) => {
    let cur = req;
    for (let i = 0; ; i++) {
      const res = await next(cur);
      const loc = header(res, 'location');
      if (!REDIRECTS.has(res.status) || !loc || (cur.method !== 'GET' && cur.method !== 'HEAD')) return res;
      if (i >= max) {
        abandon(res);
        throw new TransportError(`too many redirects for ${req.method} ${req.url.origin}${req.url.pathname}`);
      }
      await discard(res);
      let url: URL;
      try {
        url = new URL(loc, cur.url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(url.protocol);
      } catch {
        throw new RegistryError('UNKNOWN', `${req.method} ${req.url.origin}${req.url.pathname}: redirected to an unusable Location "${loc.slice(0, 100)}"`);
      }
      const headers = { ...cur.headers };
      if (url.origin !== req.url.origin) delete headers.authorization;
      cur = { ...cur, url, headers, scopes: url.origin === req.url.origin ? cur.scopes : undefined };
    }
  };
}
