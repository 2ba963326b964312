import { createServer, type Server } from 'node:http';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildOnce, dist } from '../cli/helpers.js';
import { EXAMPLE_B_KEY, testdata, testdataPath } from './testdata.js';
import { tempDir } from '../helpers/temp.js';

vi.setConfig({ testTimeout: 120_000 });

const dir = tempDir('dist-legacy-cli-');
const p = (f: string): string => join(dir, f);
const B_KID = 'PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6';
const B_DIGEST = 'sha256:b4bcb428edd6a418d6c75a5715afd83acb505dc268cc7b8f89d9250485cea612';

beforeAll(() => {
  buildOnce();
  writeFileSync(p('b.json'), EXAMPLE_B_KEY);
  // the unsigned payload of example B (first 377 bytes + "\n}")
  const raw = testdata('schema1', 'example-b-signed.json');
  writeFileSync(p('unsigned.json'), Buffer.concat([raw.subarray(0, 377), Buffer.from('\n}')]));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dist key', () => {
  it('generate writes a 0600 private JWK whose id `key id` prints; refuses to overwrite', async () => {
    const g = await dist(['key', 'generate', '-o', p('k1.json')]);
    expect(g.code).toBe(0);
    const kid = g.stdout.trim();
    expect(kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(statSync(p('k1.json')).mode & 0o777).toBe(0o600);
    const jwk = JSON.parse(readFileSync(p('k1.json'), 'utf8'));
    expect(Object.keys(jwk)).toEqual(['crv', 'd', 'kid', 'kty', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid });
    expect((await dist(['key', 'id', p('k1.json')])).stdout.trim()).toBe(kid);
    const again = await dist(['key', 'generate', '-o', p('k1.json')]);
    expect(again.code).not.toBe(0);
  });

  it('generates P-384 and RSA keys', async () => {
    expect((await dist(['key', 'generate', '--curve', 'P-384', '-o', p('k384.json')])).code).toBe(0);
    expect(JSON.parse(readFileSync(p('k384.json'), 'utf8')).crv).toBe('P-384');
    expect((await dist(['key', 'generate', '--type', 'rsa', '-o', p('rsa.json')])).code).toBe(0);
    expect(JSON.parse(readFileSync(p('rsa.json'), 'utf8')).kty).toBe('RSA');
  });

  it('id prints the libtrust key ID of a JWK and of a libtrust-style PEM (with a keyID header)', async () => {
    expect((await dist(['key', 'id', p('b.json')])).stdout.trim()).toBe(B_KID);
    const { createPrivateKey } = await import('node:crypto');
    const pem = (createPrivateKey({ key: JSON.parse(EXAMPLE_B_KEY), format: 'jwk' }).export({ type: 'sec1', format: 'pem' }) as string)
      .replace('-----BEGIN EC PRIVATE KEY-----\n', `-----BEGIN EC PRIVATE KEY-----\nkeyID: ${B_KID}\n\n`);
    writeFileSync(p('b.pem'), pem);
    const r = await dist(['key', 'id', p('b.pem')]);
    expect(r.stdout.trim(), r.stderr).toBe(B_KID);
    const bad = await dist(['key', 'id', p('unsigned.json')]);
    expect(bad.code).toBe(2);
  });
});

describe('dist sign / dist verify (files)', () => {
  it('signs with example B\'s key: same payload digest, verifies, prints the signer', async () => {
    const s = await dist(['sign', p('unsigned.json'), '--key', p('b.json'), '-o', p('signed.json')]);
    expect(s.code).toBe(0);
    expect(s.stdout.trim()).toBe(B_DIGEST);
    const v = await dist(['verify', p('signed.json')]);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(B_KID);
    expect(v.stderr).toContain(B_DIGEST);
  });

  it('verifies the fixtures (stdout: key IDs; --json: digest)', async () => {
    const a = await dist(['--json', 'verify', testdataPath('schema1', 'hello-world-good-manifest.json')]);
    expect(a.code).toBe(0);
    expect(a.json[0]).toMatchObject({ digest: 'sha256:02fee8c3220ba806531f606525eceb83f4feb654f62b207191b1c9209188dedd', keyIds: ['OIH7:HQFS:44FK:45VB:3B53:OIAG:TPL4:ATF5:6PNE:MGHN:NHQX:2GE4'] });
    const stdin = await dist(['verify', '-'], { input: testdata('schema1', 'example-b-signed.json').toString() });
    expect(stdin.stdout.trim()).toBe(B_KID);
  });

  it('multiple --key gives multiple signatures; --trust needs one trusted signer (file or directory), else exit 5', async () => {
    const s = await dist(['sign', p('unsigned.json'), '--key', p('b.json'), '--key', p('rsa.json'), '-o', p('two.json')]);
    expect(s.code).toBe(0);
    const v = await dist(['verify', p('two.json')]);
    expect(v.stdout.trim().split('\n')).toHaveLength(2);
    const pub = await dist(['key', 'public', p('rsa.json')]);
    writeFileSync(p('rsa.pub.json'), pub.stdout);
    expect(JSON.parse(pub.stdout)).not.toHaveProperty('d');
    const t = await dist(['verify', p('two.json'), '--trust', p('rsa.pub.json')]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/ trusted\n/);
    mkdirSync(p('trustdir'));
    writeFileSync(p('trustdir/b.json'), (await dist(['key', 'public', p('b.json')])).stdout);
    expect((await dist(['verify', p('signed.json'), '--trust', p('trustdir')])).code).toBe(0);
    const untrusted = await dist(['verify', p('signed.json'), '--trust', p('rsa.pub.json')]);
    expect(untrusted.code).toBe(5);
    expect(untrusted.stderr).toMatch(/^dist: .*trusted/);
  });

  it('a tampered manifest fails with exit code 5 and one error line', async () => {
    const doc = readFileSync(p('signed.json'), 'utf8').replace('"architecture": "amd64"', '"architecture": "arm64"');
    writeFileSync(p('tampered.json'), doc);
    const v = await dist(['verify', p('tampered.json')]);
    expect(v.code).toBe(5);
    expect(v.stderr.trim().split('\n')).toHaveLength(1);
    const unsigned = await dist(['verify', p('unsigned.json')]);
    expect(unsigned.code).toBe(5);
  });
});

describe('dist verify REF (remote)', () => {
  let server: Server;
  let host = '';
  const signed = testdata('schema1', 'example-b-signed.json');
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      const m = /^\/v2\/library\/test\/manifests\/(.+)$/.exec(req.url ?? '');
      if (m && (m[1] === 'latest' || m[1] === B_DIGEST)) {
        return void res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'docker-content-digest': B_DIGEST, 'content-length': signed.length }).end(req.method === 'HEAD' ? undefined : signed);
      }
      if (m && m[1] === 'bad') return void res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' }).end(Buffer.from(signed.toString().replace('library/test', 'library/tesT')));
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('fetches by tag and by digest and verifies', async () => {
    for (const ref of [`${host}/library/test:latest`, `${host}/library/test@${B_DIGEST}`]) {
      const v = await dist(['verify', ref, '--trust', p('b.json')]);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout.trim()).toBe(`${B_KID} trusted`);
    }
    const bad = await dist(['verify', `${host}/library/test:bad`]);
    expect(bad.code).toBe(5);
    expect((await dist(['verify', `${host}/library/test:missing`])).code).toBe(3);
  });
});

describe('dist tarsum', () => {
  const L46 = '46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457';
  it('computes §5.4 values with --version/--extra/--compat, from a file and gzip on stdin', async () => {
    const layer = testdataPath('tarsum', L46, 'layer.tar');
    const v0 = await dist(['tarsum', layer, '--version', 'v0', '--extra', testdataPath('tarsum', 'json-2015', L46, 'json')]);
    expect(v0.stdout.trim()).toBe('tarsum+sha256:e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b');
    const dev = await dist(['tarsum', '--version=dev', '--compat', '2018', '--extra', testdataPath('tarsum', L46, 'json'), layer]);
    expect(dev.stdout.trim()).toBe('tarsum.dev+sha256:db56e35eec6ce65ba1588c20ba6b1ea23743b59e81fb6b7f358ccbde5580345c');
    const c = await dist(['tarsum', testdataPath('tarsum', 'collision-0.tar'), '--version', 'v0', '--compat', '2018']);
    expect(c.stdout.trim()).toBe('tarsum+sha256:7cabb5e9128bb4a93ff867b9464d7c66a644ae51ea2e90e6ef313f3bef93f077');
    writeFileSync(p('layer.tar.gz'), gzipSync(readFileSync(layer)));
    const { spawnSync } = await import('node:child_process');
    const { ROOT } = await import('../cli/helpers.js');
    const gz = spawnSync(process.execPath, [join(ROOT, 'bin/dist.js'), '--json', 'tarsum', '-'], { input: readFileSync(p('layer.tar.gz')) });
    expect(JSON.parse(gz.stdout.toString())).toEqual({ tarsum: 'tarsum.v1+sha256:41cd5c911333ee394776e432fc5a27cc82dfea313e5feff965e31c0fddd9213d', entries: 9, bytes: statSync(p('layer.tar.gz')).size });
    const sha512 = await dist(['tarsum', layer, '--hash', 'sha512']);
    expect(sha512.stdout.trim()).toMatch(/^tarsum\.v1\+sha512:[0-9a-f]{128}$/);
  });

  it('--expect checks a tarsum (exit 5 on mismatch); a corrupt tar fails', async () => {
    const layer = testdataPath('tarsum', 'xattr', 'layer.tar');
    expect((await dist(['tarsum', layer, '--expect', 'tarsum.v1+sha256:e77e6c36c4bc32c0795ca8a8c086bbaa6cb83b0d785522182d45d770cc5eeb6f'])).code).toBe(0);
    const bad = await dist(['tarsum', layer, '--expect', 'tarsum.v1+sha256:e77e6c36c4bc32c0795ca8a8c086bbaa6cb83b0d785522182d45d770cc5eeb6e']);
    expect(bad.code).toBe(5);
    writeFileSync(p('corrupt.tar'), readFileSync(layer).subarray(0, 700));
    const c = await dist(['tarsum', p('corrupt.tar')]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/^dist: /);
    chmodSync(p('corrupt.tar'), 0o600);
  });
});
