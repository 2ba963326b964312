/** Credentials for one registry: a password, or an OAuth2 identity (refresh) token. */
export type Credential =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'identity'; username?: string; identityToken: string };

/** Where credentials come from; `source` names it for messages (never the secret). */
export interface CredentialProvider {
  get(registry: string, repository?: string): Promise<(Credential & { source: string }) | undefined>;
}

/** `--creds USER:PASS` (the password may itself contain `:`). */
export function parseCredsFlag(s: string): Credential {
  const i = s.indexOf(':');
  if (i <= 0) return { kind: 'basic', username: s, password: '' };
  return { kind: 'basic', username: s.slice(0, i), password: s.slice(i + 1) };
}

export function staticCredentials(cred: Credential, source = '--creds'): CredentialProvider {
  return { get: async () => ({ ...cred, source }) };
}

/** Try each provider in order; the first that knows the registry wins. */
export function chainCredentials(...providers: CredentialProvider[]): CredentialProvider {
  return {
    async get(registry, repository) {
      for (const p of providers) {
        const c = await p.get(registry, repository);
        if (c) return c;
      }
      return undefined;
    },
  };
}

/** `Authorization: Basic …` value. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
