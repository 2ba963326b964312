import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCredsFlag } from '../../src/auth/credentials.js';
import { defaultCredentials } from '../../src/auth/providers.js';
import { removeLogin, saveLogin } from '../../src/auth/login-store.js';
import { tempDir } from '../helpers/temp.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('credential lookup', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const savedPath = process.env.PATH;
  beforeEach(async () => {
    dir = tempDir('dist-creds-');
    env = { HOME: dir, DOCKER_CONFIG: join(dir, 'docker'), XDG_CONFIG_HOME: join(dir, 'xdg') };
    await import('node:fs/promises').then((fs) => Promise.all([fs.mkdir(join(dir, 'docker')), fs.mkdir(join(dir, 'xdg', 'containers'), { recursive: true })]));
  });
  afterEach(async () => {
    process.env.PATH = savedPath;
  });

  it('--creds wins and keeps colons in the password', async () => {
    expect(parseCredsFlag('u:p:w')).toEqual({ kind: 'basic', username: 'u', password: 'p:w' });
    await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { 'r.example': { auth: b64('cfg:pw') } } }));
    expect(await defaultCredentials({ creds: 'flag:pw', env }).get('r.example')).toMatchObject({ username: 'flag', source: '--creds' });
  });

  it('reads docker config auths (auth, identitytoken, Docker Hub key)', async () => {
    await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hubuser:hubpw') },
        'r.example:5000': { auth: b64('bob:b:pw') },
        'https://tok.example': { auth: b64('carol:'), identitytoken: 'refresh-abc' },
      },
    }));
    const p = defaultCredentials({ env });
    expect(await p.get('docker.io')).toMatchObject({ kind: 'basic', username: 'hubuser', password: 'hubpw' });
    expect(await p.get('r.example:5000')).toMatchObject({ kind: 'basic', username: 'bob', password: 'b:pw' });
    expect(await p.get('tok.example')).toMatchObject({ kind: 'identity', identityToken: 'refresh-abc' });
    expect(await p.get('other.example')).toBeUndefined();
  });

  it('asks docker-credential-* helpers (credHelpers before credsStore)', async () => {
    const bin = join(dir, 'bin');
    await import('node:fs/promises').then((fs) => fs.mkdir(bin));
    const helper = (user: string): string => `#!/bin/sh\nread server\nif [ "$1" = get ]; then\n  case "$server" in\n    *nothing*) echo "credentials not found in native keychain"; exit 1;;\n  esac\n  printf '{"ServerURL":"%s","Username":"${user}","Secret":"pw-for-%s"}' "$server" "$server"\nfi\n`;
    await writeFile(join(bin, 'docker-credential-one'), helper('one-user'));
    await writeFile(join(bin, 'docker-credential-store'), helper('store-user'));
    await chmod(join(bin, 'docker-credential-one'), 0o755);
    await chmod(join(bin, 'docker-credential-store'), 0o755);
    process.env.PATH = `${bin}:${savedPath}`;
    await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify({ credsStore: 'store', credHelpers: { 'special.example': 'one' }, auths: { 'nothing.example': { auth: b64('file:pw') } } }));
    const p = defaultCredentials({ env });
    expect(await p.get('special.example')).toMatchObject({ username: 'one-user', password: 'pw-for-special.example', source: 'docker-credential-one' });
    expect(await p.get('any.example')).toMatchObject({ username: 'store-user', source: 'docker-credential-store' });
    expect(await p.get('nothing.example')).toMatchObject({ username: 'file' }); // helper has none: fall back to auths
  });

  it('REGISTRY_AUTH_FILE comes before docker config; default auth.json after it; repo-scoped keys', async () => {
    await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { 'r.example': { auth: b64('docker:pw') } } }));
    await writeFile(join(dir, 'xdg', 'containers', 'auth.json'), JSON.stringify({ auths: { 'r.example': { auth: b64('xdg:pw') }, 'only-podman.example': { auth: b64('pod:pw') } } }));
    await writeFile(join(dir, 'auth.json'), JSON.stringify({ auths: { 'r.example/team': { auth: b64('scoped:pw') } } }));
    expect(await defaultCredentials({ env }).get('r.example')).toMatchObject({ username: 'docker' });
    expect(await defaultCredentials({ env }).get('only-podman.example')).toMatchObject({ username: 'pod' });
    const withFile = defaultCredentials({ env: { ...env, REGISTRY_AUTH_FILE: join(dir, 'auth.json') } });
    expect(await withFile.get('r.example', 'team/app')).toMatchObject({ username: 'scoped' });
    expect(await withFile.get('r.example', 'other/app')).toMatchObject({ username: 'docker' });
  });

  it('login writes docker config (0600, other keys kept) and logout removes it', async () => {
    const path = join(dir, 'docker', 'config.json');
    await writeFile(path, JSON.stringify({ auths: { keep: { auth: b64('k:k') } }, psFormat: 'x' }));
    await saveLogin('r.example:5000', 'dave', 'pw', path);
    const v = JSON.parse(await readFile(path, 'utf8')) as { auths: Record<string, { auth: string }>; psFormat: string };
    expect(v.auths['r.example:5000']!.auth).toBe(b64('dave:pw'));
    expect(v.auths.keep).toBeDefined();
    expect(v.psFormat).toBe('x');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await defaultCredentials({ env }).get('r.example:5000')).toMatchObject({ username: 'dave' });
    expect(await removeLogin('r.example:5000', path)).toBe(true);
    expect(await removeLogin('r.example:5000', path)).toBe(false);
    expect(await defaultCredentials({ env }).get('r.example:5000')).toBeUndefined();
  });
});
