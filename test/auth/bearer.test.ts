import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RemoteRegistry } from '../../src/client/registry.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { RegistryClient } from '../../src/client/http.js';
import { staticCredentials } from '../../src/auth/credentials.js';
import { sharedGuardedRegistry } from '../helpers/token-gate.js';
import { tinyImage } from '../helpers/tiny-image.js';

const alice = staticCredentials({ kind: 'basic', username: 'alice', password: 's3cret' });

describe('bearer token auth (own token issuer in front of dist serve)', () => {
  const { issuer, gate } = sharedGuardedRegistry({ alice: 's3cret' });

  it('pushes with credentials, requesting repository:NAME:pull,push, and caches the token per scope', async () => {
    const img = tinyImage([512, 700]);
    const repo = new RemoteRepository(gate.host, 'team/app', { credentials: alice, journal: false });
    issuer.requests.length = 0;
    for (const b of [img.config, ...img.layers]) await repo.push(b.desc, Readable.from([b.bytes]));
    await repo.pushManifest(img.manifest.desc, img.manifest.bytes, ['v1']);
    const scopes = issuer.requests.map((r) => r.scopes.join(' '));
    expect(issuer.requests.every((r) => r.user === 'alice')).toBe(true);
    expect(scopes).toContain('repository:team/app:pull,push');
    // 3 blob uploads + 2 manifest PUTs share one push token; HEAD checks aside, no refetch per request
    expect(issuer.requests.filter((r) => r.scopes.join(' ') === 'repository:team/app:pull,push')).toHaveLength(1);
    expect((await repo.resolve('v1')).digest).toBe(img.manifest.desc.digest);
  });

  it('anonymous pull is allowed, anonymous push fails with an auth error', async () => {
    const anon = new RemoteRepository(gate.host, 'team/app', { credentials: staticCredentials({ kind: 'basic', username: 'x', password: 'y' }), journal: false });
    // wrong password: the token server refuses
    await expect(anon.resolve('v1')).rejects.toMatchObject({ code: 'AUTH' });
    const nobody = new RemoteRepository(gate.host, 'team/app', { credentials: { get: async () => undefined }, journal: false });
    expect((await nobody.resolve('v1')).mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    const img = tinyImage([64]);
    await expect(nobody.push(img.layers[0]!.desc, Readable.from([img.layers[0]!.bytes]))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('asks for the mount source scope too, and the mount happens without data', async () => {
    const img = tinyImage([4096]);
    const client = new RegistryClient({ credentials: alice });
    const src = new RemoteRepository(gate.host, 'team/src', { client, journal: false });
    await src.push(img.layers[0]!.desc, Readable.from([img.layers[0]!.bytes]));
    const dst = new RemoteRepository(gate.host, 'team/dst', { client, journal: false });
    issuer.requests.length = 0;
    gate.forwarded.length = 0;
    expect(await dst.mount(img.layers[0]!.desc, 'team/src')).toBe(true);
    expect(issuer.requests.map((r) => r.scopes.join(' '))).toContain('repository:team/dst:pull,push repository:team/src:pull');
    expect(gate.forwarded.reduce((n, f) => n + f.bytes, 0)).toBe(0);
    expect(await dst.exists(img.layers[0]!.desc)).toBe(true);
  });

  it('catalog asks for registry:catalog:*', async () => {
    issuer.requests.length = 0;
    const list = await new RemoteRegistry(gate.host, { credentials: alice }).catalog();
    expect(list).toEqual(expect.arrayContaining(['team/app']));
    expect(issuer.requests.map((r) => r.scopes.join(' '))).toContain('registry:catalog:*');
  });

  it('refreshes a token once it is about to expire', async () => {
    let now = Date.now();
    const client = new RegistryClient({ credentials: alice });
    // swap in a clock we control (tokens live 300 s here)
    (client.tokens as unknown as { now: () => number }).now = () => now;
    const repo = new RemoteRepository(gate.host, 'team/app', { client, journal: false });
    await repo.resolve('v1');
    await repo.resolve('v1');
    expect(client.tokens.fetches).toBe(1);
    now += 290_000; // less than a tenth of the lifetime left
    await repo.resolve('v1');
    expect(client.tokens.fetches).toBe(2);
  });

  it('uses an identity token (OAuth2 refresh_token grant) from the credential store', async () => {
    issuer.addRefreshToken('rt-123', 'alice');
    issuer.requests.length = 0;
    const repo = new RemoteRepository(gate.host, 'team/app', { credentials: staticCredentials({ kind: 'identity', identityToken: 'rt-123' }), journal: false });
    const img = tinyImage([100]);
    await repo.push(img.layers[0]!.desc, Readable.from([img.layers[0]!.bytes]));
    expect(issuer.requests.some((r) => r.method === 'POST' && r.grant === 'refresh_token' && r.user === 'alice')).toBe(true);
  });
});
