import { CATALOG_SCOPE } from '../auth/scope.js';
import type { RepoContext } from './context.js';
import { paginate, type PageOptions } from './tags.js';
import { routes } from './routes.js';

/** Every repository of a registry (`/v2/_catalog`, distribution extension), page by page. */
export async function* listRepositoryPages(ctx: Omit<RepoContext, 'repository'>, o: PageOptions = {}): AsyncGenerator<string[]> {
  const pick = (b: unknown): string[] => {
    const r = (b as { repositories?: unknown })?.repositories;
    return Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : [];
  };
  yield* paginate({ ...ctx, repository: '' }, routes.catalog(ctx.origin), [CATALOG_SCOPE], pick, `catalog of ${ctx.registry}`, o);
}

export async function listRepositories(ctx: Omit<RepoContext, 'repository'>, o: PageOptions = {}): Promise<string[]> {
  const all: string[] = [];
  for await (const page of listRepositoryPages(ctx, o)) all.push(...page);
  return all;
}
