import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { removeLogin, saveLogin } from '../../src/auth/login-store.js';
import { defaultCredentials } from '../../src/auth/providers.js';
import { exitCodeFor, errorLine } from '../../src/cli/exit.js';
import { rejection } from '../helpers/rejection.js';
import { tempDir } from '../helpers/temp.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('credential files that are broken', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let config: string;
  beforeEach(async () => {
    dir = tempDir('dist-auth-cfg-');
    env = { HOME: dir, DOCKER_CONFIG: join(dir, 'docker'), XDG_CONFIG_HOME: join(dir, 'xdg') };
    config = join(dir, 'docker', 'config.json');
    await mkdir(join(dir, 'docker'));
  });

  it('dist login into a config.json that is not valid JSON: refused (exit 4), the file is not overwritten', async () => {
    const broken = '{"auths": {"keep.example": {"auth": "' + b64('k:secret-k') + '"}},, "psFormat": "x"\n';
    await writeFile(config, broken);
    const e = await rejection(saveLogin('r.example', 'dave', 'pw-dave', config));
    expect(exitCodeFor(e)).toBe(4);
    expect(errorLine(e)).toMatch(/config\.json is not valid JSON.*fix or remove it/);
    expect(await readFile(config, 'utf8')).toBe(broken); // before: replaced by {"auths":{"r.example":…}}, keep.example lost
    const e2 = await rejection(removeLogin('keep.example', config));
    expect(exitCodeFor(e2)).toBe(4);
    expect(await readFile(config, 'utf8')).toBe(broken);
  });

  it('a config.json that is not JSON, a JSON array, or has a non-object "auths": one clear error, not anonymous', async () => {
    for (const text of ['{not json', '[1,2]', '{"auths": "x"}']) {
      await writeFile(config, text);
      const e = await rejection(defaultCredentials({ env }).get('r.example'));
      expect(exitCodeFor(e), text).toBe(4);
      expect(errorLine(e), text).toContain(config);
    }
  });

  it('REGISTRY_AUTH_FILE pointing at a directory is an error naming it; a missing file means no credentials', async () => {
    const e = await rejection(defaultCredentials({ env: { ...env, REGISTRY_AUTH_FILE: dir } }).get('r.example'));
    expect(exitCodeFor(e)).toBe(4);
    expect(errorLine(e)).toMatch(new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be read \\(EISDIR\\)`));
    expect(await defaultCredentials({ env: { ...env, REGISTRY_AUTH_FILE: join(dir, 'nope.json') } }).get('r.example')).toBeUndefined();
  });

  it('an "auth" value that is not base64, lacks a colon, or is not a string: an error that names the entry, never the value', async () => {
    const cases: unknown[] = ['%%%not-base64-secret%%%', b64('no-colon-secret'), b64(':empty-user-secret'), 12345];
    for (const auth of cases) {
      await writeFile(config, JSON.stringify({ auths: { 'r.example': { auth }, 'ok.example': { auth: b64('u:p') } } }));
      const p = defaultCredentials({ env });
      const e = await rejection(p.get('r.example'));
      expect(exitCodeFor(e), String(auth)).toBe(4);
      const line = errorLine(e);
      expect(line).toMatch(/auths\["r\.example"\]\.auth is not base64 of "user:password"/);
      expect(line).not.toMatch(/secret/);
      expect(await p.get('ok.example')).toMatchObject({ username: 'u', password: 'p' }); // other entries still work
    }
  });

  it('an entry that is not an object is named in the error', async () => {
    await writeFile(config, JSON.stringify({ auths: { 'r.example': 'oops' } }));
    const e = await rejection(defaultCredentials({ env }).get('r.example'));
    expect(exitCodeFor(e)).toBe(4);
    expect(errorLine(e)).toMatch(/auths\["r\.example"\] is not an object/);
  });
});
