import { afterEach, describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/errors/errors.js';
import type { RegistryEvent } from '../../src/server/context.js';
import { createLogger } from '../../src/server/log.js';
import type { Access } from '../../src/server/router.js';
import { accessFor, matchRoute } from '../../src/server/router.js';
import { MemoryDriver } from '../../src/storage/driver/memory.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { errorCode, makeImage, pushBlob, pushImage, raw, sha } from './util.js';

let reg: TestRegistry | undefined;
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

describe('routing and the error envelope', () => {
  it('routes match from the right, names may contain route words', () => {
    expect(matchRoute('/v2/a/manifests/b/tags/list')?.params).toEqual({ name: 'a/manifests/b' });
    expect(matchRoute('/v2/a/blobs/uploads/')?.route.name).toBe('upload');
    expect(matchRoute('/v2/a/blobs/uploads/abc')?.params).toEqual({ name: 'a', uuid: 'abc' });
    expect(matchRoute('/v2/a/b/blobs/sha256:00')?.params).toEqual({ name: 'a/b', digest: 'sha256:00' });
    expect(matchRoute('/v2/_catalog')?.route.name).toBe('catalog');
    expect(matchRoute('/v3/')).toBeUndefined();
  });

  it('scopes per route follow distribution', () => {
    const q = (s: string): URLSearchParams => new URLSearchParams(s);
    expect(accessFor(matchRoute('/v2/a/b/manifests/x'), 'GET', q(''))).toEqual([{ type: 'repository', name: 'a/b', actions: ['pull'] }]);
    expect(accessFor(matchRoute('/v2/a/blobs/uploads/'), 'POST', q('mount=sha256:x&from=c'))).toEqual([
      { type: 'repository', name: 'a', actions: ['pull', 'push'] },
      { type: 'repository', name: 'c', actions: ['pull'] },
    ]);
    expect(accessFor(matchRoute('/v2/a/manifests/x'), 'DELETE', q(''))).toEqual([{ type: 'repository', name: 'a', actions: ['delete'] }]);
    expect(accessFor(matchRoute('/v2/_catalog'), 'GET', q(''))).toEqual([{ type: 'registry', name: 'catalog', actions: ['*'] }]);
    expect(accessFor(matchRoute('/v2/'), 'GET', q(''))).toEqual([]);
  });

  it('unknown path → 404 envelope; wrong method → 405 UNSUPPORTED with Allow; headers on errors too', async () => {
    reg = await startRegistry();
    const nf = await raw(reg.url, 'GET', '/nope');
    expect(nf.status).toBe(404);
    expect(nf.json<{ errors: unknown[] }>().errors).toHaveLength(1);
    expect(nf.header('docker-distribution-api-version')).toBe('registry/2.0');
    const m = await raw(reg.url, 'POST', '/v2/a/tags/list');
    expect(m.status).toBe(405);
    expect(errorCode(m)).toBe('UNSUPPORTED');
    expect(m.header('allow')).toBe('GET');
    const body = m.json<{ errors: Array<{ code: string; message: string }> }>();
    expect(body.errors[0]!.message).toMatch(/not allowed/);
    expect(m.header('content-type')).toBe('application/json');
  });
});

describe('read-only mode', () => {
  it('refuses every write with 405 UNSUPPORTED and still serves reads', async () => {
    const driver = new MemoryDriver();
    const rw = await startRegistry({ driver });
    const img = makeImage();
    await pushImage(rw.url, 'ro/repo', img, 'v1');
    await rw.close();
    reg = await startRegistry({ driver, readOnly: true });
    for (const [method, path] of [
      ['POST', '/v2/ro/repo/blobs/uploads/'],
      ['PUT', '/v2/ro/repo/manifests/v2'],
      ['DELETE', `/v2/ro/repo/manifests/${img.digest}`],
      ['DELETE', `/v2/ro/repo/blobs/${sha(img.config)}`],
      ['PATCH', '/v2/ro/repo/blobs/uploads/abc'],
    ] as const) {
      const r = await raw(reg.url, method, path, { body: method === 'DELETE' ? undefined : 'x' });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(errorCode(r)).toBe('UNSUPPORTED');
    }
    expect((await raw(reg.url, 'GET', '/v2/ro/repo/manifests/v1', { headers: { Accept: '*/*' } })).status).toBe(200);
  });
});

describe('auth hook and events', () => {
  it('the auth hook sees the scopes and can refuse with its own error and headers', async () => {
    const seen: Access[][] = [];
    reg = await startRegistry({
      auth: async (req, access) => {
        seen.push(access);
        if (!req.headers.authorization) throw new RegistryError('UNAUTHORIZED', undefined, undefined, { headers: { 'WWW-Authenticate': 'Basic realm="t"' } });
        return { name: 'alice' };
      },
    });
    const r = await raw(reg.url, 'GET', '/v2/x/y/tags/list');
    expect(r.status).toBe(401);
    expect(r.header('www-authenticate')).toBe('Basic realm="t"');
    expect(seen[0]).toEqual([{ type: 'repository', name: 'x/y', actions: ['pull'] }]);
    const ok = await raw(reg.url, 'GET', '/v2/', { headers: { Authorization: 'Basic eDp5' } });
    expect(ok.status).toBe(200);
  });

  it('push, pull, mount and delete events carry repository, digest, tag and actor', async () => {
    const events: RegistryEvent[] = [];
    reg = await startRegistry({ onEvent: (e) => events.push(e), auth: async () => ({ name: 'bob' }) });
    const img = makeImage();
    await pushImage(reg.url, 'ev/a', img, 'v1');
    await raw(reg.url, 'GET', '/v2/ev/a/manifests/v1', { headers: { Accept: '*/*' } });
    await raw(reg.url, 'POST', `/v2/ev/b/blobs/uploads/?mount=${sha(img.config)}&from=ev/a`);
    await raw(reg.url, 'DELETE', `/v2/ev/a/manifests/${img.digest}`);
    const summary = events.map((e) => `${e.action}:${e.kind}:${e.repository}`);
    expect(summary).toEqual(['push:blob:ev/a', 'push:blob:ev/a', 'push:manifest:ev/a', 'pull:manifest:ev/a', 'mount:blob:ev/b', 'delete:manifest:ev/a']);
    const pushM = events[2]!;
    expect(pushM).toMatchObject({ digest: img.digest, tag: 'v1', mediaType: 'application/vnd.oci.image.manifest.v1+json', size: img.manifest.length, actor: { name: 'bob' } });
    expect(pushM.request.method).toBe('PUT');
    expect(events[4]!.fromRepository).toBe('ev/a');
  });
});

describe('access log', () => {
  it('writes one JSON line per request with method, path, status and duration; _state is redacted', async () => {
    const lines: string[] = [];
    reg = await startRegistry({ log: createLogger('info', (l) => lines.push(l)), secret: 'k' });
    await pushBlob(reg.url, 'log/repo', Buffer.from('abc'));
    await raw(reg.url, 'GET', '/v2/log/repo/tags/list');
    await new Promise((r) => setTimeout(r, 50));
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.length).toBe(3);
    expect(entries.every((e) => e.msg === 'request' && typeof e.duration_ms === 'number' && e.level === 'info')).toBe(true);
    expect(entries.map((e) => `${e.method} ${e.status}`)).toEqual(['POST 202', 'PUT 201', 'GET 200']);
    expect(String(entries[1]!.path)).toMatch(/_state=REDACTED/);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
  });

  it('level warn drops access lines', async () => {
    const lines: string[] = [];
    reg = await startRegistry({ log: createLogger('warn', (l) => lines.push(l)) });
    await raw(reg.url, 'GET', '/v2/');
    expect(lines).toEqual([]);
  });
});
