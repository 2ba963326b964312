import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { configKey, dockerConfigPath, normaliseKey, readAuthFile, type AuthConfigFile } from './config-file.js';
import { helperErase, helperStore } from './helper.js';

async function writeConfig(path: string, file: AuthConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, `${JSON.stringify(file, null, '\t')}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

function helperFor(file: AuthConfigFile, registry: string): string | undefined {
  return file.credHelpers?.[registry] ?? file.credsStore;
}

/**
 * Save credentials the way `docker login` does: into the configured credential helper, else
 * base64 `auth` in config.json (mode 0600). Returns where they went.
 */
export async function saveLogin(registry: string, username: string, password: string, path: string = dockerConfigPath()): Promise<string> {
  const file = (await readAuthFile(path)) ?? {};
  const key = configKey(registry);
  const helper = helperFor(file, registry);
  file.auths = file.auths ?? {};
  if (helper) {
    await helperStore(helper, key, username, password);
    file.auths[key] = {};
    await writeConfig(path, file);
    return `docker-credential-${helper}`;
  }
  file.auths[key] = { auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') };
  await writeConfig(path, file);
  return path;
}

/** Remove stored credentials for a registry. Resolves false when there were none. */
export async function removeLogin(registry: string, path: string = dockerConfigPath()): Promise<boolean> {
  const file = await readAuthFile(path);
  if (!file) return false;
  const keys = Object.keys(file.auths ?? {}).filter((k) => normaliseKey(k) === registry);
  const helper = helperFor(file, registry);
  if (helper) await helperErase(helper, configKey(registry));
  if (keys.length === 0) return !!helper;
  for (const k of keys) delete file.auths![k];
  await writeConfig(path, file);
  return true;
}
