import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImage } from '../helpers/layout-fixture.js';
import { type CephS3, startCeph } from './peers/ceph.js';
import { type DistInstance, s3Config, startDist } from './peers/dist-serve.js';
import { writeLayout } from './peers/oci-layout.js';
import { type RedisPeer, startRedis } from './peers/redis.js';
import { digestOf as sha } from '../../src/digest/digest.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const BUCKET = 'dist-multi';
let ceph: CephS3;
let redis: RedisPeer;
let work: string;
const inst: Record<'A' | 'B' | 'C', DistInstance> = {} as Record<'A' | 'B' | 'C', DistInstance>;

async function skopeo(...args: string[]): Promise<string> {
  const r = await run('skopeo', args, { timeout: 120_000, maxBuffer: 16 * MiB });
  return r.stdout;
}

/** Path and query of an upload Location, to send to any instance. */
function rel(location: string): string {
  const u = new URL(location, 'http://x');
  return u.pathname + u.search;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dist-multi-'));
  [ceph, redis] = await Promise.all([startCeph(), startRedis({ password: 'redispw' })]);
  await ceph.createBucket(BUCKET);
  const cfg = s3Config(ceph, { bucket: BUCKET, root: '/multi', redis: redis.addr, redisPassword: 'redispw' });
  [inst.A, inst.B, inst.C] = await Promise.all([startDist(work, 'A', cfg), startDist(work, 'B', cfg), startDist(work, 'C', cfg)]);
}, 300_000);

afterAll(async () => {
  for (const i of Object.values(inst)) await i?.stop();
  await redis?.stop();
  await ceph?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function redisKeys(pattern: string): Promise<string[]> {
  const c = new Redis({ host: '127.0.0.1', port: redis.port, password: redis.password, lazyConnect: true });
  try {
    return await c.keys(pattern);
  } finally {
    c.disconnect();
  }
}

describe('three dist serve instances on one bucket and one Redis', () => {
  it('skopeo pushes through A and pulls through B with identical digests', async () => {
    const img = await randomImage({ layers: 2, size: 3 * MiB, gzip: true });
    const src = join(work, 'src');
    writeLayout(src, img, 'v1');
    await skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${inst.A.host}/team/app:v1`);
    const raw = await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${inst.B.host}/team/app:v1`);
    expect(sha(Buffer.from(raw))).toBe(img.manifest.desc.digest);
    const out = join(work, 'out');
    await skopeo('copy', '--src-tls-verify=false', `docker://${inst.B.host}/team/app:v1`, `oci:${out}:v1`);
    for (const b of img.blobs) expect(sha(readFileSync(join(out, 'blobs', 'sha256', b.desc.digest.slice(7))))).toBe(b.desc.digest);
    expect(JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${inst.C.host}/team/app`)).Tags).toEqual(['v1']);
  });

  it('a chunked upload started on A continues on B and completes on C', async () => {
    const data = randomBytes(13 * MiB);
    const digest = sha(data);
    const post = await fetch(`${inst.A.url}/v2/team/chunks/blobs/uploads/`, { method: 'POST' });
    expect(post.status).toBe(202);
    let loc = rel(post.headers.get('location')!);
    const cuts = [0, 6 * MiB, 12 * MiB];
    for (const [i, start] of cuts.slice(0, 2).entries()) {
      const end = cuts[i + 1]!;
      const via = i === 0 ? inst.A : inst.B;
      const r = await fetch(`${via.url}${loc}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${end - 1}` },
        body: data.subarray(start, end),
      });
      expect(r.status).toBe(202);
      expect(r.headers.get('range')).toBe(`0-${end - 1}`);
      loc = rel(r.headers.get('location')!);
    }
    const status = await fetch(`${inst.C.url}${loc}`);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe(`0-${12 * MiB - 1}`);
    const sep = loc.includes('?') ? '&' : '?';
    const put = await fetch(`${inst.C.url}${loc}${sep}digest=${digest}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${12 * MiB}-${data.length - 1}` },
      body: data.subarray(12 * MiB),
    });
    expect(put.status).toBe(201);
    const got = Buffer.from(await (await fetch(`${inst.A.url}/v2/team/chunks/blobs/${digest}`)).arrayBuffer());
    expect(got.length).toBe(data.length);
    expect(sha(got)).toBe(digest);
  });

  it('a delete through C is seen at once by A and B (no stale cache)', async () => {
    const img = await randomImage({ layers: 1, size: 4096, gzip: true });
    const src = join(work, 'del-src');
    writeLayout(src, img, 'gone');
    await skopeo('copy', '--dest-tls-verify=false', `oci:${src}:gone`, `docker://${inst.A.host}/team/del:gone`);
    const accept = { Accept: img.manifest.desc.mediaType };
    const byDigest = `/v2/team/del/manifests/${img.manifest.desc.digest}`;
    for (const i of [inst.A, inst.B]) {
      expect((await fetch(`${i.url}${byDigest}`, { headers: accept })).status).toBe(200); // now cached
      expect((await fetch(`${i.url}/v2/team/del/manifests/gone`, { method: 'HEAD', headers: accept })).status).toBe(200);
    }
    const layer = `/v2/team/del/blobs/${img.layers[0]!.desc.digest}`;
    expect((await fetch(`${inst.B.url}${layer}`, { method: 'HEAD' })).status).toBe(200);
    const cached = await redisKeys('dist:content:*/_manifests/revisions/sha256/*/link');
    expect(cached.some((k) => k.includes(img.manifest.desc.digest.slice(7)))).toBe(true); // answers do come from Redis
    expect((await fetch(`${inst.C.url}${byDigest}`, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(`${inst.C.url}${layer}`, { method: 'DELETE' })).status).toBe(202);
    for (const i of [inst.A, inst.B]) {
      expect((await fetch(`${i.url}${byDigest}`, { headers: accept })).status).toBe(404);
      expect((await fetch(`${i.url}/v2/team/del/manifests/gone`, { headers: accept })).status).toBe(404);
      expect((await fetch(`${i.url}${layer}`, { method: 'HEAD' })).status).toBe(404);
    }
  });

  it('A is SIGKILLed mid-upload and the client finishes through B', async () => {
    const data = randomBytes(14 * MiB);
    const digest = sha(data);
    const post = await fetch(`${inst.A.url}/v2/team/killed/blobs/uploads/`, { method: 'POST' });
    let loc = rel(post.headers.get('location')!);
    const first = await fetch(`${inst.A.url}${loc}`, { method: 'PATCH', headers: { 'Content-Range': `0-${6 * MiB - 1}`, 'Content-Type': 'application/octet-stream' }, body: data.subarray(0, 6 * MiB) });
    expect(first.status).toBe(202);
    loc = rel(first.headers.get('location')!);
    // Second PATCH: stream 4 MiB of the remaining 8, then A dies while the request is open.
    let push: (b: Buffer | null) => void = () => undefined;
    const body = new ReadableStream<Uint8Array>({ start: (ctl) => { push = (b) => (b ? ctl.enqueue(b) : ctl.close()); } });
    const pending = fetch(`${inst.A.url}${loc}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream' }, body, duplex: 'half' } as RequestInit).catch((e: unknown) => e);
    push(data.subarray(6 * MiB, 10 * MiB));
    await new Promise((r) => setTimeout(r, 1000));
    await inst.A.kill();
    expect(await pending).toBeInstanceOf(Error);
    // The client asks B where the upload stands and sends the rest from there.
    const st = await fetch(`${inst.B.url}${loc}`);
    expect(st.status).toBe(204);
    const have = Number(st.headers.get('range')!.split('-')[1]) + 1;
    expect(have).toBe(6 * MiB); // only what A acknowledged
    const put = await fetch(`${inst.B.url}${rel(st.headers.get('location') ?? loc)}${loc.includes('?') ? '&' : '?'}digest=${digest}`, {
      method: 'PUT',
      headers: { 'Content-Range': `${have}-${data.length - 1}`, 'Content-Type': 'application/octet-stream' },
      body: data.subarray(have),
    });
    expect(put.status).toBe(201);
    const head = await fetch(`${inst.C.url}/v2/team/killed/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(data.length);
  });

  it('storage.redirect: blob GETs answer 307 to a presigned store URL that skopeo and the dist client follow', async () => {
    const d = await startDist(work, 'D', s3Config(ceph, { bucket: BUCKET, root: '/multi', redirect: true }));
    try {
      const img = await randomImage({ layers: 1, size: 2 * MiB, gzip: true });
      const src = join(work, 'rd-src');
      writeLayout(src, img, 'r1');
      await skopeo('copy', '--dest-tls-verify=false', `oci:${src}:r1`, `docker://${d.host}/team/rd:r1`);
      const layer = img.layers[0]!.desc.digest;
      const r = await fetch(`${d.url}/v2/team/rd/blobs/${layer}`, { redirect: 'manual' });
      expect(r.status).toBe(307);
      const location = r.headers.get('location')!;
      expect(location.startsWith(`${ceph.endpoint}/${BUCKET}/multi/docker/registry/v2/blobs/sha256/`)).toBe(true);
      expect(sha(Buffer.from(await (await fetch(location)).arrayBuffer()))).toBe(layer);
      const out = join(work, 'rd-out');
      await skopeo('copy', '--src-tls-verify=false', `docker://${d.host}/team/rd:r1`, `oci:${out}:r1`);
      expect(sha(readFileSync(join(out, 'blobs', 'sha256', layer.slice(7))))).toBe(layer);
      const distOut = join(work, 'rd-dist');
      await run(process.execPath, [join(import.meta.dirname, '../../bin/dist.js'), '--plain-http', 'pull', `${d.host}/team/rd:r1`, '-o', distOut], { timeout: 120_000 });
      expect(sha(readFileSync(join(distOut, 'blobs', 'sha256', layer.slice(7))))).toBe(layer);
    } finally {
      await d.stop();
    }
  });
});
