import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AuthError } from '../errors/errors.js';
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

/**
 * Read an auth file. A missing file is no file (undefined); one that cannot be read (a directory,
 * no permission) or is not a JSON object is an AuthError naming the file: dist neither goes on
 * anonymously nor overwrites it on login (which would lose the other entries).
 */
export async function readAuthFile(path: string): Promise<AuthConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new AuthError(`credentials file ${path} cannot be read (${code ?? (e as Error).message})`);
  }
  if (text.trim() === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new AuthError(`credentials file ${path} is not valid JSON (${(e as Error).message.split('\n')[0]}): fix or remove it`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new AuthError(`credentials file ${path} is not a JSON object: fix or remove it`);
  const auths = (v as AuthConfigFile).auths;
  if (auths !== undefined && (!auths || typeof auths !== 'object' || Array.isArray(auths))) throw new AuthError(`credentials file ${path}: "auths" is not an object: fix or remove it`);
  return v as AuthConfigFile;
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
export function lookupAuths(file: AuthConfigFile, registry: string, repository?: string, where = 'credentials file'): Credential | undefined {
  const auths = file.auths ?? {};
  const wanted = repository ? `${registry}/${repository}` : registry;
  let best: { len: number; key: string } | undefined;
  for (const key of Object.keys(auths)) {
    const n = normaliseKey(key);
    const matches = n === registry || (repository !== undefined && (wanted === n || wanted.startsWith(`${n}/`)) && n.startsWith(`${registry}/`));
    if (matches && (!best || n.length > best.len)) best = { len: n.length, key };
  }
  if (!best) return undefined;
  const entry = auths[best.key];
  if (!entry || typeof entry !== 'object') throw new AuthError(`${where}: auths[${JSON.stringify(best.key)}] is not an object: fix it or log in again`);
  return decodeEntry(entry, `${where}: auths[${JSON.stringify(best.key)}]`);
}

function decodeEntry(e: NonNullable<AuthConfigFile['auths']>[string], where: string): Credential | undefined {
  let username = typeof e.username === 'string' ? e.username : undefined;
  let password = typeof e.password === 'string' ? e.password : undefined;
  if (e.auth !== undefined && e.auth !== '') {
    // never echo the value: it is the secret
    const bad = (): AuthError => new AuthError(`${where}.auth is not base64 of "user:password": run "dist login" again or fix the file`);
    if (typeof e.auth !== 'string') throw bad();
    const b64 = e.auth.trim();
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) throw bad();
    const dec = Buffer.from(b64, 'base64').toString('utf8');
    const i = dec.indexOf(':');
    if (i <= 0) throw bad();
    username = dec.slice(0, i);
    password = dec.slice(i + 1);
  }
  if (typeof e.identitytoken === 'string' && e.identitytoken) return { kind: 'identity', username, identityToken: e.identitytoken };
  if (username && password !== undefined) return { kind: 'basic', username, password };
  return undefined;
}
