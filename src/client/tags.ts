import { createHash } from 'node:crypto';
import { RegistryError } from '../errors/errors.js';
import { headerAll, readCapped } from '../transport/types.js';
import type { RepoContext } from './context.js';
import { responseError } from './errors.js';
import { nextLink } from './link.js';

const MAX_PAGE_BYTES = 16 * 1024 * 1024;

/**
 * Most entries one listing yields: a registry that keeps inventing new names on every page would
 * otherwise be listed (and remembered, to drop repeats) until memory runs out. Two million tags or
 * repositories is far beyond any real repository or catalog.
 */
export const MAX_LISTED = 2_000_000;

export interface PageOptions {
  /** Page size hint (`n`); registries may ignore it. */
  pageSize?: number;
  /** Start after this entry (`last`). */
  last?: string;
  /** Stop with an error past this many entries (default MAX_LISTED). */
  maxEntries?: number;
  signal?: AbortSignal;
}

/**
 * GET a paginated list endpoint, following `Link: <…>; rel="next"` until the end. Entries already
 * listed are dropped (a registry that ignores `last` repeats them); a page that brings nothing new
 * yet links to another page fails instead of looping forever.
 */
export async function* paginate(ctx: RepoContext, first: URL, scopes: string[], pick: (body: unknown) => string[], what: string, o: PageOptions): AsyncGenerator<string[]> {
  let url: URL | undefined = new URL(first.href);
  if (o.pageSize !== undefined) url.searchParams.set('n', String(o.pageSize));
  if (o.last !== undefined) url.searchParams.set('last', o.last);
  // pages seen, by a hash of their URL: a registry may link pages with very long URLs
  const seen = new Set<string>();
  const listed = new Set<string>();
  while (url) {
    const key = createHash('sha256').update(url.href).digest('base64');
    if (seen.has(key)) throw new RegistryError('UNKNOWN', `${what}: pagination loops at ${url.pathname}${url.search}`);
    seen.add(key);
    const res = await ctx.send({ method: 'GET', url, headers: { accept: 'application/json' }, scopes, signal: o.signal });
    if (res.status !== 200) throw await responseError(res, what, 'NAME_UNKNOWN');
    const body = await readCapped(res.body, MAX_PAGE_BYTES);
    if (!body) throw new RegistryError('UNKNOWN', `${what}: page larger than ${MAX_PAGE_BYTES} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RegistryError('UNKNOWN', `${what}: registry sent invalid JSON`);
    }
    const fresh = pick(parsed).filter((e) => !listed.has(e) && listed.add(e));
    const next = nextLink(headerAll(res, 'link'), url);
    const max = o.maxEntries ?? MAX_LISTED;
    if (listed.size > max && next) throw new RegistryError('UNKNOWN', `${what}: more than ${max} entries and the registry still links to more pages; stopped`);
    if (fresh.length) yield fresh;
    if (next && !fresh.length) throw new RegistryError('UNKNOWN', `${what}: the registry links to another page but sent nothing new (pagination loops at ${url.pathname}${url.search}); the list may be incomplete`);
    url = next;
  }
}

/** `body[key]` as a list of strings (missing or null: empty); anything else is the registry's error. */
export function stringList(body: unknown, key: string, what: string): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RegistryError('UNKNOWN', `${what}: registry sent JSON that is not an object`);
  const v = (body as Record<string, unknown>)[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new RegistryError('UNKNOWN', `${what}: registry sent "${key}" that is not a list of names`);
  return v;
}

/** Every tag of a repository, page by page (`/v2/<name>/tags/list`). */
export async function* listTagPages(ctx: RepoContext, o: PageOptions = {}): AsyncGenerator<string[]> {
  const url = new URL(`/v2/${ctx.repository}/tags/list`, ctx.origin);
  yield* paginate(ctx, url, [`repository:${ctx.repository}:pull`], (b) => stringList(b, 'tags', `tags of ${ctx.repository}`), `tags of ${ctx.repository}`, o);
}

export async function listTags(ctx: RepoContext, o: PageOptions = {}): Promise<string[]> {
  const all: string[] = [];
  for await (const page of listTagPages(ctx, o)) all.push(...page);
  return all;
}
