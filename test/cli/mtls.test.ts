import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe } from '../../src/server/serve.js';
import { makeCert } from '../helpers/token-issuer.js';
import { randomImage } from '../helpers/images.js';
import { tempDir } from '../helpers/temp.js';
import { buildOnce, dist } from './helpers.js';

describe('a registry that requires client certificates (mutual TLS)', () => {
  let server: Awaited<ReturnType<typeof startServe>>;
  let host: string;
  const dir = tempDir('dist-mtls-');
  const f = (name: string): string => join(dir, name);
  beforeAll(async () => {
    buildOnce();
    const srv = makeCert('registry');
    const client = makeCert('ci-client', 'DNS:ci-client');
    writeFileSync(f('srv.pem'), srv.certPem);
    writeFileSync(f('srv.key'), srv.keyPem, { mode: 0o600 });
    writeFileSync(f('client.pem'), client.certPem);
    writeFileSync(f('client.key'), client.keyPem, { mode: 0o600 });
    server = await startServe({ dir: f('data'), addr: '127.0.0.1:0', logLevel: 'error', team: { tlsCert: f('srv.pem'), tlsKey: f('srv.key'), tlsClientCa: [f('client.pem')] } });
    host = new URL(server.url).host;
    await randomImage({ layers: 1, size: 4096, dir: f('layout') });
  });
  afterAll(() => server.close(100));

  it('--cert-file/--key-file present the client certificate: push and pull work; without them the registry refuses', async () => {
    const tls = ['--ca-file', f('srv.pem'), '--cert-file', f('client.pem'), '--key-file', f('client.key')];
    const push = await dist([...tls, 'push', '-q', `${f('layout')}:latest`, `${host}/m/app:v1`]);
    expect(push.code, push.stderr).toBe(0);
    const digest = await dist([...tls, 'digest', `${host}/m/app:v1`]);
    expect(digest.code, digest.stderr).toBe(0);
    expect(digest.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const without = await dist(['--ca-file', f('srv.pem'), '--timeout', '5s', 'digest', `${host}/m/app:v1`]);
    expect(without.code).not.toBe(0);
    expect(without.stdout).toBe('');
    expect(without.stderr).toMatch(/other side closed .*give --cert-file and --key-file/);
  });

  it('plain HTTP to this TLS registry (loopback defaults to HTTP) fails with a hint to give --ca-file', async () => {
    const r = await dist(['--timeout', '5s', 'digest', `${host}/m/app:v1`]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/other side closed .*give --ca-file \(or --insecure\)/);
  });

  it('a certificate the registry does not accept, and --plain-http, get hints that fit them', async () => {
    const stranger = makeCert('stranger', 'DNS:stranger');
    writeFileSync(f('stranger.pem'), stranger.certPem);
    writeFileSync(f('stranger.key'), stranger.keyPem, { mode: 0o600 });
    const wrong = await dist(['--ca-file', f('srv.pem'), '--cert-file', f('stranger.pem'), '--key-file', f('stranger.key'), '--timeout', '5s', 'digest', `${host}/m/app:v1`]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/check that it accepts the one given with --cert-file/);
    const plain = await dist(['--plain-http', '--timeout', '5s', 'digest', `${host}/m/app:v1`]);
    expect(plain.code).toBe(6);
    expect(plain.stderr).not.toMatch(/--ca-file/);
  });

  it('one of the pair without the other, or an unreadable file, is a usage error', async () => {
    const half = await dist(['--cert-file', f('client.pem'), 'digest', `${host}/m/app:v1`]);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--cert-file and --key-file go together/);
    const missing = await dist(['--cert-file', f('nope.pem'), '--key-file', f('client.key'), 'digest', `${host}/m/app:v1`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read --cert-file .*nope\.pem: ENOENT/);
  });
});
