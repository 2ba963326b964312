import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImage } from '../helpers/layout-fixture.js';
import { makeCert } from '../helpers/token-issuer.js';
import { type DistInstance, startDist } from './peers/dist-serve.js';
import { writeLayout } from './peers/oci-layout.js';
import { type RedisPeer, startRedis } from './peers/redis.js';

const run = promisify(execFile);
let work: string;
let redis: RedisPeer;
let dist: DistInstance;
let caPem: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dist-redis-tls-'));
  const cert = makeCert('redis-test');
  caPem = cert.certPem;
  writeFileSync(join(work, 'cert.pem'), cert.certPem);
  writeFileSync(join(work, 'key.pem'), cert.keyPem);
  redis = await startRedis({ password: 'tlspw', tls: { certFile: join(work, 'cert.pem'), keyFile: join(work, 'key.pem'), caPem } });
  const config = {
    version: 0.1,
    log: { level: 'warn' },
    storage: { filesystem: { rootdirectory: join(work, 'data') }, cache: { blobdescriptor: 'redis' }, delete: { enabled: true } },
    redis: { addr: redis.addr, password: 'tlspw', db: 3, tls: { enabled: true } },
    http: { addr: '127.0.0.1:0', secret: 's' },
  };
  // distribution 2.8's redis.tls has no CA key: the system trust applies, extended here for the test CA.
  dist = await startDist(work, 'tls', config, { NODE_EXTRA_CA_CERTS: join(work, 'cert.pem') });
});

afterAll(async () => {
  await dist?.stop();
  await redis?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('redis over TLS (redis.tls.enabled) with the filesystem driver', () => {
  it('caches descriptors in a TLS Redis (password, db) and still answers 404 right after a delete', async () => {
    const img = await randomImage({ layers: 1, size: 2048, gzip: true });
    writeLayout(join(work, 'src'), img, 't');
    await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${join(work, 'src')}:t`, `docker://${dist.host}/tls/app:t`], { timeout: 60_000 });
    const url = `${dist.url}/v2/tls/app/manifests/${img.manifest.desc.digest}`;
    const accept = { Accept: img.manifest.desc.mediaType };
    expect((await fetch(url, { headers: accept })).status).toBe(200);
    const c = new Redis({ host: '127.0.0.1', port: redis.port, password: 'tlspw', db: 3, tls: { ca: caPem } });
    try {
      const keys = await c.keys('dist:content:*');
      expect(keys.some((k) => k.includes(img.manifest.desc.digest.slice(7)))).toBe(true);
    } finally {
      c.disconnect();
    }
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(url, { headers: accept })).status).toBe(404);
  });
});
