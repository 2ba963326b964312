import { chainCredentials, parseCredsFlag, staticCredentials, type CredentialProvider } from './credentials.js';
import { configKey, containersAuthPaths, dockerConfigPath, lookupAuths, readAuthFile } from './config-file.js';
import { helperGet } from './helper.js';

/** docker `config.json`: `credHelpers[registry]`, then `credsStore`, then `auths` (incl. `identitytoken`). */
export function dockerConfigCredentials(path: string = dockerConfigPath()): CredentialProvider {
  return {
    async get(registry) {
      const file = await readAuthFile(path);
      if (!file) return undefined;
      const helper = file.credHelpers?.[registry] ?? (registry === 'docker.io' ? file.credHelpers?.[configKey(registry)] : undefined);
      for (const name of [helper, file.credsStore]) {
        if (!name) continue;
        const c = await helperGet(name, configKey(registry));
        if (c) return { ...c, source: `docker-credential-${name}` };
      }
      const c = lookupAuths(file, registry, undefined, path);
      return c && { ...c, source: path };
    },
  };
}

/** A containers `auth.json` (podman/skopeo format; repository-scoped keys allowed). */
export function authFileCredentials(path: string): CredentialProvider {
  return {
    async get(registry, repository) {
      const file = await readAuthFile(path);
      const c = file && lookupAuths(file, registry, repository, path);
      return c && { ...c, source: path };
    },
  };
}

/**
 * The documented lookup order:
 *  1. `--creds USER:PASS`;
 *  2. `$REGISTRY_AUTH_FILE` (containers auth.json), when set;
 *  3. docker `config.json` (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`): credHelpers, credsStore, auths;
 *  4. containers auth.json defaults (`$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`);
 *  otherwise anonymous.
 */
export function defaultCredentials(opts: { creds?: string; env?: NodeJS.ProcessEnv } = {}): CredentialProvider {
  const env = opts.env ?? process.env;
  const list: CredentialProvider[] = [];
  if (opts.creds !== undefined) list.push(staticCredentials(parseCredsFlag(opts.creds)));
  const { explicit, defaults } = containersAuthPaths(env);
  if (explicit) list.push(authFileCredentials(explicit));
  list.push(dockerConfigCredentials(dockerConfigPath(env)));
  for (const p of defaults) list.push(authFileCredentials(p));
  return chainCredentials(...list);
}
