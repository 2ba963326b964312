import { execFile } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import { toSchema1 } from '../../src/legacy/to-schema1.js';
import { verifySchema1 } from '../../src/legacy/verify.js';
import type { Descriptor } from '../../src/oci/types.js';
import { buildOnce, dist } from '../cli/helpers.js';
import { startDistribution, type RunningDistribution } from '../helpers/distribution.js';
import { randomImage, writeLayout, type RandomImage } from '../helpers/images.js';
import { spawnServe } from '../server/spawn.js';
import { raw } from '../server/util.js';

const run = promisify(execFile);
const skopeo = async (...args: string[]): Promise<Buffer> => (await run('skopeo', args, { encoding: 'buffer', maxBuffer: 64 << 20 })).stdout;
const KID = /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/;

let work: string;
let reg: RunningDistribution;
let img: RandomImage;

/** A proxy in front of docker-registry that keeps the exact manifest bodies clients PUT. */
function recordingProxy(target: string): Promise<{ server: Server; host: string; puts: Buffer[] }> {
  const puts: Buffer[] = [];
  const [host, port] = target.split(':');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'PUT' && /\/manifests\//.test(req.url ?? '')) puts.push(body);
      const up = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (r) => {
        const headers = { ...r.headers };
        if (headers.location) headers.location = headers.location.replace(target, `127.0.0.1:${(server.address() as AddressInfo).port}`);
        res.writeHead(r.statusCode ?? 502, headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, host: `127.0.0.1:${(server.address() as AddressInfo).port}`, puts })));
}

beforeAll(async () => {
  buildOnce();
  work = await mkdtemp(join(tmpdir(), 'dist-legacy-interop-'));
  img = await randomImage({ layers: 2, size: 50_000, dir: join(work, 'src'), tag: 'v1' });
  reg = await startDistribution({ extraYaml: 'compatibility:\n  schema1:\n    enabled: true' });
});
afterAll(async () => {
  await reg?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('schema 1 with skopeo and docker-registry 2.8', () => {
  it('dist verify checks the manifest skopeo signed (captured on its way to docker-registry) and the one the registry serves', async () => {
    const proxy = await recordingProxy(reg.host);
    try {
      await skopeo('copy', '--dest-tls-verify=false', '--format', 'v2s1', `oci:${join(work, 'src')}:v1`, `docker://${proxy.host}/legacy/img:v1`);
    } finally {
      await new Promise<void>((r) => proxy.server.close(() => r()));
    }
    expect(proxy.puts).toHaveLength(1);
    const pushed = proxy.puts[0]!;
    await writeFile(join(work, 'skopeo-signed.json'), pushed);
    const v = await dist(['--json', 'verify', join(work, 'skopeo-signed.json')]);
    expect(v.code, v.stderr).toBe(0);
    const res = v.json[0] as { digest: string; keyIds: string[] };
    expect(res.keyIds).toHaveLength(1);
    expect(res.keyIds[0]).toMatch(KID);

    // docker-registry 2.8 stores the payload and re-signs with its own key: same payload digest
    const served = await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/legacy/img:v1`);
    await writeFile(join(work, 'served.json'), served);
    const s = await dist(['--json', 'verify', join(work, 'served.json')]);
    expect(s.code, s.stderr).toBe(0);
    expect((s.json[0] as { digest: string }).digest).toBe(res.digest);
    const head = await raw(`http://${reg.host}`, 'HEAD', '/v2/legacy/img/manifests/v1', { headers: { Accept: 'application/vnd.docker.distribution.manifest.v1+prettyjws' } });
    expect(head.header('docker-content-digest')).toBe(res.digest);

    // and remotely, by tag and by digest
    for (const ref of [`${reg.host}/legacy/img:v1`, `${reg.host}/legacy/img@${res.digest}`]) {
      const r = await dist(['verify', ref]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toMatch(KID);
    }
    const tampered = pushed.toString().replace('amd64', 'arm64');
    expect(tampered).not.toBe(pushed.toString());
    await writeFile(join(work, 'tampered.json'), tampered);
    expect((await dist(['verify', join(work, 'tampered.json')])).code).toBe(5);
  });

  it('toSchema1 builds byte for byte the payload docker-registry 2.8 converts a schema 2 image to (incl. throwaway layers)', async () => {
    // an image whose history has empty layers, as docker builds them
    const cfg = JSON.parse(img.config.bytes.toString()) as { history: Array<Record<string, unknown>> };
    cfg.history = [
      { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
      { created: '2024-01-01T00:00:01.5Z', created_by: '/bin/sh -c #(nop)  ENV A=<b>&c', empty_layer: true },
      { created: '2024-01-01T00:00:02Z', created_by: '/bin/sh -c make', author: 'dist', comment: 'built' },
      { created: '2024-01-01T00:00:03Z', created_by: '/bin/sh -c #(nop)  CMD ["/bin/true"]', empty_layer: true },
    ];
    const configBytes = Buffer.from(JSON.stringify(cfg));
    const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(configBytes), size: configBytes.length, bytes: configBytes };
    const layers = img.layers;
    const desc = (b: { mediaType: string; digest: string; size: number }): Descriptor => ({ mediaType: b.mediaType, digest: b.digest as Descriptor['digest'], size: b.size });
    const mbytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: desc(config), layers: layers.map(desc) }));
    const manifest = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(mbytes), size: mbytes.length, bytes: mbytes };
    const dir = join(work, 'docker-src');
    await writeLayout(dir, { manifest, config, layers, diffIds: img.diffIds, tag: 'v2' });
    await skopeo('copy', '--dest-tls-verify=false', '--format', 'v2s2', `oci:${dir}:v2`, `docker://${reg.host}/legacy/conv:v2`);
    // no Accept header: distribution 2.8 converts schema 2 to schema 1 and signs it with its key
    const got = await raw(`http://${reg.host}`, 'GET', '/v2/legacy/conv/manifests/v2');
    expect(got.status).toBe(200);
    const v = await verifySchema1(got.body);
    const mine = toSchema1({ config: configBytes, layers: layers.map(desc), name: 'legacy/conv', tag: 'v2' });
    expect(mine.payload.toString()).toBe(v.payload.toString());
    expect(mine.usesEmptyLayer).toBe(true);
    expect(digestOf(mine.payload)).toBe(v.digest);
  });

  it('docker-registry accepts a manifest built and signed by dist (toSchema1 + dist sign)', async () => {
    const name = 'legacy/bydist';
    const cfg = JSON.parse(img.config.bytes.toString()) as Record<string, unknown>;
    const layers: Descriptor[] = img.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest as Descriptor['digest'], size: l.size }));
    const { payload } = toSchema1({ config: img.config.bytes, layers, name, tag: 'v1' });
    expect(cfg.architecture).toBe('amd64');
    // blobs: reuse skopeo to upload the layers (any v2s2 push of the same image to this repo)
    await skopeo('copy', '--dest-tls-verify=false', '--format', 'v2s2', `oci:${join(work, 'src')}:v1`, `docker://${reg.host}/${name}:s2`);
    await writeFile(join(work, 'unsigned.json'), payload);
    expect((await dist(['key', 'generate', '-o', join(work, 'key.json')])).code).toBe(0);
    const signed = await dist(['sign', join(work, 'unsigned.json'), '--key', join(work, 'key.json'), '-o', join(work, 'bydist.json')]);
    expect(signed.code, signed.stderr).toBe(0);
    const body = await readFile(join(work, 'bydist.json'));
    const put = await raw(`http://${reg.host}`, 'PUT', `/v2/${name}/manifests/v1`, { headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' }, body });
    expect(put.status, put.body.toString()).toBe(201);
    expect(put.header('docker-content-digest')).toBe(signed.stdout.trim());
    const tampered = Buffer.from(body.toString().replace('"tag": "v1"', '"tag": "v9"'));
    const bad = await raw(`http://${reg.host}`, 'PUT', `/v2/${name}/manifests/v9`, { headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' }, body: tampered });
    expect(bad.status).toBe(400);
    expect(bad.body.toString()).toContain('MANIFEST_UNVERIFIED');
  });
});

describe('dist push --format v2s1 / dist pull with docker-registry 2.8 (schema 1 enabled)', () => {
  it('docker-registry accepts dist push --format v2s1; skopeo reads it; dist pull converts it back to the same layers', async () => {
    const key = join(work, 'push-key.json');
    expect((await dist(['key', 'generate', '-o', key])).code).toBe(0);
    const p = await dist(['push', join(work, 'src'), `${reg.host}/legacy/pushed:v1`, '--format', 'v2s1', '--sign-key', key]);
    expect(p.code, p.stderr).toBe(0);
    const served = await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/legacy/pushed:v1`);
    const v = await verifySchema1(served);
    expect(v.manifest.name).toBe('legacy/pushed');
    expect(v.manifest.fsLayers.map((l) => l.blobSum)).toEqual([...img.layers].reverse().map((l) => l.digest));
    const out = join(work, 'pulled');
    const r = await dist(['pull', `${reg.host}/legacy/pushed:v1`, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const m = JSON.parse(await readFile(join(out, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }>; config: { digest: string } };
    expect(m.layers.map((l) => l.digest)).toEqual(img.layers.map((l) => l.digest));
    const cfg = JSON.parse(await readFile(join(out, 'blobs/sha256', m.config.digest.slice(7)), 'utf8')) as { rootfs: { diff_ids: string[] } };
    expect(cfg.rootfs.diff_ids).toEqual(img.diffIds);
  });

  it('dist pull converts the schema 1 image skopeo pushed', async () => {
    const out = join(work, 'pulled-skopeo');
    const r = await dist(['pull', `${reg.host}/legacy/img:v1`, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const m = JSON.parse(await readFile(join(out, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }> };
    expect(m.layers.map((l) => l.digest)).toEqual(img.layers.map((l) => l.digest));
  });
});

describe('schema 1 with skopeo and dist serve --schema1', () => {
  const SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
  async function serve(data: string): Promise<{ host: string; stop(): Promise<void> }> {
    const s = await spawnServe([data, '--addr', '127.0.0.1:0', '--log-level', 'error', '--schema1']);
    return { host: new URL(s.url).host, stop: async () => { s.proc.kill('SIGTERM'); await s.exited; } };
  }

  it('skopeo copy --format v2s1 pushes into dist serve, which verifies, stores and serves it; skopeo pulls it back', async () => {
    const data = join(work, 'dist-data');
    const d = await serve(data);
    let digest: string;
    try {
      await skopeo('copy', '--dest-tls-verify=false', '--format', 'v2s1', `oci:${join(work, 'src')}:v1`, `docker://${d.host}/legacy/img:v1`);
      const head = await raw(`http://${d.host}`, 'HEAD', '/v2/legacy/img/manifests/v1', { headers: { Accept: SIGNED } });
      expect(head.status).toBe(200);
      expect(head.header('content-type')).toBe(SIGNED);
      digest = head.header('docker-content-digest')!;
      const served = await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${d.host}/legacy/img:v1`);
      await writeFile(join(work, 'dist-served.json'), served);
      const v = await dist(['--json', 'verify', join(work, 'dist-served.json')]);
      expect(v.code, v.stderr).toBe(0);
      expect((v.json[0] as { digest: string }).digest).toBe(digest);
      const r = await dist(['verify', `${d.host}/legacy/img@${digest}`]);
      expect(r.code, r.stderr).toBe(0);
      await skopeo('copy', '--src-tls-verify=false', `docker://${d.host}/legacy/img:v1`, `oci:${join(work, 'back')}:v1`);
      const index = JSON.parse(await readFile(join(work, 'back', 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
      const m = JSON.parse(await readFile(join(work, 'back', 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ digest: string }> };
      expect(m.layers.map((l) => l.digest)).toEqual(img.layers.map((l) => l.digest));
    } finally {
      await d.stop();
    }
    // the same directory, served by docker-registry 2.8 with schema 1 enabled
    const reg2 = await startDistributionOn(data);
    try {
      const got = await raw(`http://${reg2.host}`, 'GET', '/v2/legacy/img/manifests/v1', { headers: { Accept: SIGNED } });
      expect(got.status, got.body.toString()).toBe(200);
      expect(got.header('docker-content-digest')).toBe(digest);
      expect((await verifySchema1(got.body)).digest).toBe(digest);
    } finally {
      await reg2.stop();
    }
  });

  it('dist serve --schema1 serves the schema 1 manifests docker-registry 2.8 stored', async () => {
    const head = await raw(`http://${reg.host}`, 'HEAD', '/v2/legacy/img/manifests/v1', { headers: { Accept: SIGNED } });
    const digest = head.header('docker-content-digest')!;
    expect(digest).toMatch(/^sha256:/);
    const d = await serve(reg.dataDir);
    try {
      const got = await raw(`http://${d.host}`, 'GET', '/v2/legacy/img/manifests/v1', { headers: { Accept: SIGNED } });
      expect(got.status).toBe(200);
      expect(got.header('docker-content-digest')).toBe(digest);
      expect((await verifySchema1(got.body)).digest).toBe(digest);
    } finally {
      await d.stop();
    }
  });
});

/** docker-registry with schema 1 enabled over an existing data directory. */
async function startDistributionOn(data: string): Promise<{ host: string; stop(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const { freePort } = await import('../helpers/distribution.js');
  const port = await freePort();
  const cfg = join(work, `registry-${port}.yml`);
  await writeFile(cfg, `version: 0.1\nlog: { level: warn }\nstorage:\n  filesystem: { rootdirectory: ${data} }\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: interop\ncompatibility:\n  schema1:\n    enabled: true\n`);
  const proc = spawn('docker-registry', ['serve', cfg], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  for (let i = 0; ; i++) {
    if (await raw(`http://127.0.0.1:${port}`, 'GET', '/v2/').then((r) => r.status === 200, () => false)) break;
    if (i > 100) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, stop: async () => { proc.kill('SIGTERM'); await exited; } };
}
