import { saveLogin } from '../auth/login-store.js';
import { staticCredentials } from '../auth/credentials.js';
import { AuthError, RegistryError } from '../errors/errors.js';
import { RemoteRegistry } from './registry.js';
import type { RepositoryOptions } from './repository.js';

/** Check `username`/`password` against the registry (`GET /v2/`), then store them. Returns where. */
export async function login(registry: string, username: string, password: string, opts: RepositoryOptions & { configPath?: string } = {}): Promise<string> {
  const reg = new RemoteRegistry(registry, { ...opts, credentials: staticCredentials({ kind: 'basic', username, password }, 'login') });
  try {
    await reg.ping();
  } catch (e) {
    if (e instanceof RegistryError && (e.code === 'UNAUTHORIZED' || e.code === 'DENIED')) throw new AuthError(`login to ${registry} failed: credentials refused`);
    throw e;
  } finally {
    await reg.client.close();
  }
  return saveLogin(registry, username, password, opts.configPath);
}
