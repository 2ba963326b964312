import type { RepoContext } from './context.js';
import { listRepositories, listRepositoryPages } from './catalog.js';
import { responseError } from './errors.js';
import { RegistryClient } from './http.js';
import { RemoteRepository, type RepositoryOptions } from './repository.js';
import { routes } from './routes.js';
import type { PageOptions } from './tags.js';
import { discard } from '../transport/types.js';

/** A registry as a whole: version check, catalog, and repositories sharing one HTTP client. */
export class RemoteRegistry {
  readonly client: RegistryClient;
  private readonly ctx: Omit<RepoContext, 'repository'>;

  constructor(readonly registry: string, private readonly opts: RepositoryOptions = {}) {
    this.client = opts.client ?? new RegistryClient(opts);
    this.ctx = { registry, origin: this.client.origin(registry), send: this.client.handler };
  }

  /** `GET /v2/` (authenticating if challenged); throws unless the registry speaks V2. */
  async ping(): Promise<void> {
    const res = await this.ctx.send({ method: 'GET', url: routes.base(this.ctx.origin) });
    if (res.status !== 200) throw await responseError(res, `${this.registry}`, 'NAME_UNKNOWN');
    await discard(res);
  }

  repository(name: string): RemoteRepository {
    return new RemoteRepository(this.registry, name, { ...this.opts, client: this.client });
  }

  catalog(opts: PageOptions = {}): Promise<string[]> {
    return listRepositories(this.ctx, opts);
  }

  catalogPages(opts: PageOptions = {}): AsyncGenerator<string[]> {
    return listRepositoryPages(this.ctx, opts);
  }
}
