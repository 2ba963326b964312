import { abandon, discard, headerAll, isReplayable, type HttpRequest, type Middleware } from '../transport/types.js';
import { pickChallenge, type Challenge } from './challenge.js';
import { basicAuthorization, type CredentialProvider } from './credentials.js';
import { mergeScopes, parseScope } from './scope.js';
import type { TokenClient } from './token.js';

export interface AuthOptions {
  credentials: CredentialProvider;
  tokens: TokenClient;
  /** Registry name for a host (`registry-1.docker.io` → `docker.io`); default: the host itself. */
  registryOf?: (host: string) => string;
}

function repositoryOf(scopes: string[] | undefined): string | undefined {
  for (const s of scopes ?? []) {
    const sc = parseScope(s);
    if (sc?.type === 'repository') return sc.name;
  }
  return undefined;
}

/**
 * Answers auth challenges: on a 401 it learns the host's scheme (Bearer or Basic), obtains a token
 * for the request's scopes merged with the challenge's, and retries once. Later requests to the
 * same host are authorised up front, so streaming bodies are not wasted on a 401.
 */
export function authMiddleware(o: AuthOptions): Middleware {
  const challenges = new Map<string, Challenge>();
  const registryOf = o.registryOf ?? ((h: string) => (h === 'registry-1.docker.io' ? 'docker.io' : h));

  async function authorize(req: HttpRequest, ch: Challenge | undefined, extraScope?: string, force = false): Promise<HttpRequest> {
    if (!ch) return req;
    const registry = registryOf(req.url.host);
    const cred = await o.credentials.get(registry, repositoryOf(req.scopes));
    let value: string | undefined;
    if (ch.scheme === 'basic') {
      if (cred?.kind === 'basic') value = basicAuthorization(cred.username, cred.password);
    } else if (ch.scheme === 'bearer' && ch.params.realm) {
      const scopes = mergeScopes(req.scopes, extraScope);
      value = `Bearer ${await o.tokens.get({ realm: ch.params.realm, service: ch.params.service }, scopes, cred, { force, registry })}`;
    }
    return value ? { ...req, headers: { ...req.headers, authorization: value } } : req;
  }

  return (next) => async (req) => {
    if (req.headers?.authorization) return next(req);
    const host = req.url.host;
    const known = challenges.get(host);
    const first = await authorize(req, known);
    const res = await next(first);
    if (res.status !== 401) return res;
    const ch = pickChallenge(headerAll(res, 'www-authenticate'));
    if (!ch) return res;
    challenges.set(host, ch);
    if (!isReplayable(req.body)) return res;
    const hadAuth = first.headers?.authorization !== undefined;
    if (ch.scheme === 'basic' && hadAuth) return res; // the password was refused
    let retry: HttpRequest;
    try {
      retry = await authorize(req, ch, ch.params.scope, hadAuth);
    } catch (e) {
      abandon(res); // nobody reads the 401 now: free its connection
      throw e;
    }
    if (!retry.headers?.authorization) return res;
    await discard(res);
    return next(retry);
  };
}
