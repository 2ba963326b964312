import { RegistryError } from '../errors/errors.js';

/**
 * URL builders for the V2 API endpoint families (the client side of the route table).
 * Repository names contain `/` and are used verbatim; digests and tags are URL-safe by grammar.
 */
export const routes = {
  base: (origin: URL): URL => new URL('/v2/', origin),
  catalog: (origin: URL): URL => new URL('/v2/_catalog', origin),
  tags: (origin: URL, repo: string): URL => new URL(`/v2/${repo}/tags/list`, origin),
  manifest: (origin: URL, repo: string, reference: string): URL => new URL(`/v2/${repo}/manifests/${reference}`, origin),
  blob: (origin: URL, repo: string, digest: string): URL => new URL(`/v2/${repo}/blobs/${digest}`, origin),
  uploads: (origin: URL, repo: string): URL => new URL(`/v2/${repo}/blobs/uploads/`, origin),
  referrers: (origin: URL, repo: string, digest: string): URL => new URL(`/v2/${repo}/referrers/${digest}`, origin),
};

/**
 * Resolve a `Location` header (absolute or relative) against the request URL, keeping its query.
 * One that does not parse, or is not http(s), is the registry's error (not a TypeError).
 */
export function resolveLocation(location: string, base: URL): URL {
  let url: URL | undefined;
  try {
    url = new URL(location, base);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new RegistryError('UNKNOWN', `registry sent an unusable Location "${location.slice(0, 100)}"`);
  return url;
}

/** Add `digest=` to an upload URL whose query (e.g. `_state`) must be kept. */
export function withQuery(url: URL, params: Record<string, string>): URL {
  const u = new URL(url.href);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u;
}
