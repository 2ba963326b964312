import type { Middleware } from './types.js';

export const DEFAULT_USER_AGENT = 'dist/0.1';

/** Add a User-Agent header unless the request already has one. */
export function userAgentMiddleware(ua: string = DEFAULT_USER_AGENT): Middleware {
  return (next) => (req) => next({ ...req, headers: { 'user-agent': ua, ...req.headers } });
}
