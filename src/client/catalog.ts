import { CATALOG_SCOPE } from '../auth/scope.js';
import type { RepoContext } from './context.js';
import { paginate, stringList, type PageOptions } from './tags.js';
import { routes } from './routes.js';

/** Every repository of a registry (`/v2/_catalog`, distribution extension), page by page. */
export async function* listRepositoryPages(ctx: Omit<RepoContext, 'repository'>, o: PageOptions = {}): AsyncGenerator<string[]> {
  const what = `catalog of ${ctx.registry}`;
  yield* paginate({ ...ctx, repository: '' }, routes.catalog(ctx.origin), [CATALOG_SCOPE], (b) => stringList(b, 'repositories', what), what, o);
}

export async function listRepositories(ctx: Omit<RepoContext, 'repository'>, o: PageOptions = {}): Promise<string[]> {
  const all: string[] = [];
  for await (const page of listRepositoryPages(ctx, o)) all.push(...page);
  return all;
}
