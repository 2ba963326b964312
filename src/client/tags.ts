import { RegistryError } from '../errors/errors.js';
import { headerAll, readCapped } from '../transport/types.js';
import type { RepoContext } from './context.js';
import { responseError } from './errors.js';
import { nextLink } from './link.js';

const MAX_PAGE_BYTES = 16 * 1024 * 1024;

export interface PageOptions {
  /** Page size hint (`n`); registries may ignore it. */
  pageSize?: number;
  /** Start after this entry (`last`). */
  last?: string;
  signal?: AbortSignal;
}

/** GET a paginated list endpoint, following `Link: <…>; rel="next"` until the end. */
export async function* paginate<T>(ctx: RepoContext, first: URL, scopes: string[], pick: (body: unknown) => T[], what: string, o: PageOptions): AsyncGenerator<T[]> {
  let url: URL | undefined = new URL(first.href);
  if (o.pageSize !== undefined) url.searchParams.set('n', String(o.pageSize));
  if (o.last !== undefined) url.searchParams.set('last', o.last);
  const seen = new Set<string>();
  while (url) {
    if (seen.has(url.href)) throw new RegistryError('UNKNOWN', `${what}: pagination loops at ${url.pathname}${url.search}`);
    seen.add(url.href);
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
    yield pick(parsed);
    url = nextLink(headerAll(res, 'link'), url);
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Every tag of a repository, page by page (`/v2/<name>/tags/list`). */
export async function* listTagPages(ctx: RepoContext, o: PageOptions = {}): AsyncGenerator<string[]> {
  const url = new URL(`/v2/${ctx.repository}/tags/list`, ctx.origin);
  yield* paginate(ctx, url, [`repository:${ctx.repository}:pull`], (b) => strings((b as { tags?: unknown })?.tags), `tags of ${ctx.repository}`, o);
}

export async function listTags(ctx: RepoContext, o: PageOptions = {}): Promise<string[]> {
  const all: string[] = [];
  for await (const page of listTagPages(ctx, o)) all.push(...page);
  return all;
}
