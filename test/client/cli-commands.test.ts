import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { Exit } from '../../src/cli/exit.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { sharedGuardedRegistry } from '../helpers/token-gate.js';
import { tinyImage } from '../helpers/tiny-image.js';
import { tempDir } from '../helpers/temp.js';

/** Run the CLI in-process; capture stdout/stderr. */
async function dist(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { out += Buffer.from(c).toString(); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { err += Buffer.from(c).toString(); return true; });
  try {
    process.exitCode = undefined;
    const code = await main(['node', 'dist', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('client commands (in-process CLI against dist serve)', () => {
  const { reg, gate } = sharedGuardedRegistry({ ci: 'pw-123' });
  let home: string;
  const img = tinyImage([321, 654]);
  const saved = { DOCKER_CONFIG: process.env.DOCKER_CONFIG, REGISTRY_AUTH_FILE: process.env.REGISTRY_AUTH_FILE, DIST_STATE_DIR: process.env.DIST_STATE_DIR };
  beforeAll(async () => {
    home = tempDir('dist-cli-');
    process.env.DOCKER_CONFIG = join(home, 'docker');
    process.env.DIST_STATE_DIR = join(home, 'state');
    delete process.env.REGISTRY_AUTH_FILE;
    const repo = new RemoteRepository(reg.host, 'cli/app', { journal: false });
    for (const b of [img.config, ...img.layers]) await repo.push(b.desc, Readable.from([b.bytes]));
    await repo.pushManifest(img.manifest.desc, img.manifest.bytes, ['v1']);
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });

  it('digest, tag, tags, inspect (--raw, --config, --json), catalog', async () => {
    const ref = `${reg.host}/cli/app`;
    expect(await dist('digest', `${ref}:v1`)).toMatchObject({ code: 0, out: `${img.manifest.desc.digest}\n` });
    const t = await dist('tag', `${ref}:v1`, 'v2', 'latest');
    expect(t.code).toBe(0);
    expect(t.out).toContain(`${ref}:v2@${img.manifest.desc.digest}`);
    expect((await dist('tags', ref)).out.split('\n').filter(Boolean).sort()).toEqual(['latest', 'v1', 'v2']);
    expect((await dist('--json', 'tags', ref, '--page-size', '1')).out.split('\n').filter(Boolean).map((l) => JSON.parse(l).tag).sort()).toEqual(['latest', 'v1', 'v2']);
    const raw = await dist('inspect', '--raw', `${ref}:v2`);
    expect(raw.out).toBe(img.manifest.bytes.toString());
    expect((await dist('inspect', '--config', `${ref}:v1`)).out).toBe(img.config.bytes.toString());
    const text = (await dist('inspect', `${ref}:v1`)).out;
    expect(text).toContain(img.layers[1]!.desc.digest);
    expect(text).toContain('linux/amd64');
    const j = JSON.parse((await dist('--json', 'inspect', `${ref}:v1`)).out) as { digest: string; layers: Array<{ size: number }> };
    expect(j.digest).toBe(img.manifest.desc.digest);
    expect(j.layers.map((l) => l.size)).toEqual([321, 654]);
    expect((await dist('catalog', reg.host)).out).toContain('cli/app\n');
  });

  it('delete resolves the tag and removes the manifest; exit codes are distinct', async () => {
    const ref = `${reg.host}/cli/app`;
    const d = await dist('delete', `${ref}:v2`);
    expect(d.code).toBe(0);
    expect(d.out).toContain(img.manifest.desc.digest);
    const gone = await dist('digest', `${ref}:v1`);
    expect(gone.code).toBe(Exit.NOT_FOUND);
    expect(gone.err).toMatch(/^dist: .*manifest unknown/);
    expect((await dist('digest', 'Not A Ref')).code).toBe(Exit.USAGE);
    expect((await dist('digest', '127.0.0.1:1/x/y:z')).code).toBe(Exit.NETWORK);
  });

  it('login checks and stores credentials; later commands use them; logout forgets them', async () => {
    const ref = `${gate.host}/priv/app`;
    // anonymous pull is allowed by the issuer, but pushing (tag) needs credentials
    const repo = new RemoteRepository(gate.host, 'priv/app', { creds: 'ci:pw-123', journal: false });
    for (const b of [img.config, ...img.layers]) await repo.push(b.desc, Readable.from([b.bytes]));
    await repo.pushManifest(img.manifest.desc, img.manifest.bytes, ['v1']);
    const denied = await dist('tag', `${ref}:v1`, 'v9');
    expect(denied.code).toBe(Exit.AUTH);
    expect((await dist('login', gate.host, '-u', 'ci', '-p', 'wrong')).code).toBe(Exit.AUTH);
    const ok = await dist('login', gate.host, '-u', 'ci', '-p', 'pw-123');
    expect(ok.code).toBe(0);
    const cfg = JSON.parse(await readFile(join(home, 'docker', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(cfg.auths[gate.host]!.auth, 'base64').toString()).toBe('ci:pw-123');
    expect((await dist('tag', `${ref}:v1`, 'v9')).code).toBe(0);
    expect((await dist('logout', gate.host)).code).toBe(0);
    expect((await dist('tag', `${ref}:v1`, 'v10')).code).toBe(Exit.AUTH);
    expect((await dist('--creds', 'ci:pw-123', 'tag', `${ref}:v1`, 'v10')).code).toBe(0);
  });

  it('-v logs requests to stderr without secrets', async () => {
    const r = await dist('-v', '--creds', 'ci:pw-123', 'digest', `${gate.host}/priv/app:v1`);
    expect(r.code).toBe(0);
    expect(r.err).toContain('> HEAD');
    expect(r.err).not.toContain('pw-123');
    expect(r.err).not.toContain(Buffer.from('ci:pw-123').toString('base64'));
  });
});
