import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Credential } from './credentials.js';

/** The subset of docker's config.json / containers' auth.json that matters for credentials. */
export interface AuthConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; [k: string]: unknown }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

/** Docker Hub's historical key in config.json. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
}

/** containers auth.json locations: REGISTRY_AUTH_FILE first, then the default paths. */
export function containersAuthPaths(env: NodeJS.ProcessEnv = process.env): { explicit?: string; defaults: string[] } {
  const home = env.HOME || homedir();
  const defaults = [
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json')] : []),
    join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'),
  ];
  return { explicit: env.REGISTRY_AUTH_FILE || undefined, defaults };
}

export async function readAuthFile(path: string): Promise<AuthConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as AuthConfigFile) : undefined;
  } catch {
    return undefined;
  }
}

/** The key for `registry` as docker writes it. */
export function configKey(registry: string): string {
  return registry === 'docker.io' ? DOCKER_HUB_KEY : registry;
}

/** Normalise a config key (`https://host/v1/`, `host`, `host/ns/repo`) to `host[/path]`. */
export function normaliseKey(key: string): string {
  let k = key.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (k.endsWith('/v1') || k.endsWith('/v2')) k = k.slice(0, -3);
  if (k === 'index.docker.io' || k === 'registry-1.docker.io' || k === 'registry.hub.docker.com') k = 'docker.io';
  if (k.startsWith('index.docker.io/')) k = `docker.io/${k.slice('index.docker.io/'.length)}`;
  return k;
}

/**
 * Find the entry for a registry (and, for containers auth.json, the most specific
 * `registry/namespace/repo` key) and decode it.
 */
export function lookupAuths(file: AuthConfigFile, registry: string, repository?: string): Credential | undefined {
  const auths = file.auths ?? {};
  const wanted = repository ? `${registry}/${repository}` : registry;
  let best: { len: number; key: string } | undefined;
  for (const key of Object.keys(auths)) {
    const n = normaliseKey(key);
    const matches = n === registry || (repository !== undefined && (wanted === n || wanted.startsWith(`${n}/`)) && n.startsWith(`${registry}/`));
    if (matches && (!best || n.length > best.len)) best = { len: n.length, key };
  }
  if (!best) return undefined;
  return decodeEntry(auths[best.key]!);
}

function decodeEntry(e: NonNullable<AuthConfigFile['auths']>[string]): Credential | undefined {
  let username = e.username;
  let password = e.password;
  if (typeof e.auth === 'string' && e.auth) {
    const dec = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = dec.indexOf(':');
    if (i > 0) {
      username = dec.slice(0, i);
      password = dec.slice(i + 1);
    }
  }
  if (typeof e.identitytoken === 'string' && e.identitytoken) return { kind: 'identity', username, identityToken: e.identitytoken };
  if (username && password !== undefined) return { kind: 'basic', username, password };
  return undefined;
}
