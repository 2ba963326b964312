import { writeFile } from 'node:fs/promises';
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRegistry } from '../../src/client/registry.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeCert } from '../helpers/token-issuer.js';
import { tempDir } from '../helpers/temp.js';

describe('TLS options and the loopback scheme rule', () => {
  let dir: string;
  let caFile: string;
  let https: HttpsServer;
  let httpsHost: string;
  let plain: TestRegistry;
  const seen: string[] = [];
  beforeAll(async () => {
    dir = tempDir('dist-tls-');
    const cert = makeCert('tls-test');
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, cert.certPem);
    https = createHttps({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' }).end('{}');
    });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    httpsHost = `127.0.0.1:${(https.address() as { port: number }).port}`;
    plain = await startRegistry();
  });
  afterAll(async () => {
    https.closeAllConnections();
    await new Promise((r) => https.close(r));
    await plain.close();
  });

  it('--ca-file trusts a self-signed registry certificate', async () => {
    const reg = new RemoteRegistry(httpsHost, { caFile });
    expect(reg.client.origin(httpsHost).protocol).toBe('https:');
    await reg.ping();
    expect(seen).toContain('GET /v2/');
  });

  it('without trust, verification fails as a network error with a hint; a missing --ca-file is a usage error', async () => {
    const other = join(dir, 'other.pem');
    await writeFile(other, makeCert('someone-else').certPem);
    const err = await new RemoteRegistry(httpsHost, { caFile: other, retry: { maxAttempts: 1 } }).ping().catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT', hint: expect.stringContaining('--ca-file') });
    expect(() => new RemoteRegistry(httpsHost, { caFile: join(dir, 'missing.pem') })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('--insecure skips verification', async () => {
    await new RemoteRegistry(httpsHost, { insecure: true }).ping();
  });

  it('--insecure against a plain-HTTP loopback registry falls back to HTTP', async () => {
    const reg = new RemoteRegistry(plain.host, { insecure: true });
    expect(reg.client.origin(plain.host).protocol).toBe('https:');
    await reg.ping();
    const repo = reg.repository('a/b');
    expect(await repo.tags().catch((e: { code: string }) => e.code)).toBe('NAME_UNKNOWN');
  });

  it('loopback registries default to plain HTTP; others to HTTPS unless --plain-http', () => {
    const reg = new RemoteRegistry('x');
    expect(reg.client.origin('localhost:5000').protocol).toBe('http:');
    expect(reg.client.origin('[::1]:5000').protocol).toBe('http:');
    expect(reg.client.origin('registry.example.com').protocol).toBe('https:');
    expect(reg.client.origin('docker.io').host).toBe('registry-1.docker.io');
    expect(new RemoteRegistry('x', { plainHttp: true }).client.origin('registry.example.com').protocol).toBe('http:');
  });
});
