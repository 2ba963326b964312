import type { Handler } from '../transport/types.js';

/** What every endpoint family needs to talk to one repository. */
export interface RepoContext {
  registry: string;
  repository: string;
  origin: URL;
  send: Handler;
}
