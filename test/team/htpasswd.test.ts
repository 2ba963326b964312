import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { HtpasswdAccessController } from '../../src/server/auth/htpasswd.js';
import { memoryLogger } from '../../src/server/observe/log.js';
import { authHandler, basic, envelope, listen } from './helpers.js';
import { closeAfterEach } from '../helpers/closers.js';
import { tempDir } from '../helpers/temp.js';

const closers = closeAfterEach();

async function setup(content: string, anonymousPull = false) {
  const path = join(tempDir(), 'htpasswd');
  writeFileSync(path, content);
  const log = memoryLogger();
  const ac = await HtpasswdAccessController.create({ realm: 'team "realm"', path, anonymousPull, log });
  const srv = await listen(authHandler(ac));
  closers.push(srv.close);
  const get = (p: string, auth?: string, method = 'GET') => fetch(srv.url + p, { method, headers: auth === undefined ? {} : { authorization: auth } });
  return { path, log, get, ac };
}

const alice = `alice:${hashSync('wonderland', 4).replace('$2b$', '$2y$')}\n`;

describe('htpasswd access controller', () => {
  it('challenges without credentials, accepts good ones, refuses bad ones without logging the password', async () => {
    const { get, log } = await setup(`# team\n\n${alice}`);
    const none = await get('/v2/');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="team \\"realm\\""');
    expect((await envelope(none)).errors[0]!.code).toBe('UNAUTHORIZED');
    const ok = await get('/v2/a/manifests/x', basic('alice', 'wonderland'));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ user: 'alice' });
    expect((await get('/v2/', basic('alice', 'wrong-secret-pw'))).status).toBe(401);
    expect((await get('/v2/', basic('mallory', 'wonderland'))).status).toBe(401);
    const fails = log.lines.filter((l) => l.msg === 'auth: invalid credentials');
    expect(fails.map((l) => l.user)).toEqual(['alice', 'mallory']);
    expect(JSON.stringify(log.lines)).not.toContain('wrong-secret-pw');
  });

  it('refuses malformed Authorization headers with 401 and a log line (never 500)', async () => {
    const { get, log } = await setup(alice);
    const bad = ['Basic', 'Basic !!!', 'Basic YWxpY2U=', 'Basic a', 'Bearer abc', 'xyz', '', 'Basic YWxp Y2U6'];
    for (const h of bad) {
      const r = await get('/v2/', h);
      expect(r.status, h).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    }
    expect(log.lines.filter((l) => /malformed|unsupported/.test(l.msg)).length).toBeGreaterThanOrEqual(bad.length - 1);
    expect((await get('/v2/', basic('alice', 'wonderland'))).status).toBe(200);
  });

  it('skips corrupt lines with a log line and keeps the good entries', async () => {
    const { get, log, ac } = await setup(`garbage-without-colon\nbob:{SHA}notbcrypt\n${alice}:\n`);
    expect(ac.file.size).toBe(1);
    expect(log.lines.filter((l) => l.msg.startsWith('htpasswd: skipping corrupt line')).map((l) => l.line)).toEqual([1, 2, 4]);
    expect(JSON.stringify(log.lines)).not.toContain('notbcrypt');
    expect((await get('/v2/', basic('alice', 'wonderland'))).status).toBe(200);
  });

  it('re-reads the file when it changes', async () => {
    const { get, path } = await setup(alice);
    expect((await get('/v2/', basic('bob', 'builder'))).status).toBe(401);
    writeFileSync(path, `${alice}bob:${hashSync('builder', 4)}\n`);
    expect((await get('/v2/', basic('bob', 'builder'))).status).toBe(200);
    writeFileSync(path, `bob:${hashSync('builder', 4)}\n`);
    expect((await get('/v2/', basic('alice', 'wonderland'))).status).toBe(401);
  });

  it('allows anonymous pulls when configured, writes still need credentials', async () => {
    const { get } = await setup(alice, true);
    expect((await get('/v2/a/manifests/x')).status).toBe(200);
    expect((await get('/v2/a/manifests/x', basic('', ''))).status).toBe(200);
    expect((await get('/v2/a/blobs/uploads/', undefined, 'POST')).status).toBe(401);
    expect((await get('/v2/a/manifests/sha256:00', undefined, 'DELETE')).status).toBe(401);
    expect((await get('/v2/_catalog')).status).toBe(401);
    expect((await get('/v2/a/blobs/uploads/', basic('alice', 'wonderland'), 'POST')).status).toBe(200);
  });

  it('refuses to start when the file is missing', async () => {
    await expect(HtpasswdAccessController.create({ realm: 'r', path: join(tempDir(), 'nope'), log: memoryLogger() })).rejects.toThrow(/ENOENT/);
  });
});
