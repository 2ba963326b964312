import { createHash, randomBytes } from 'node:crypto';
import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathNotFoundError } from '../../src/storage/driver/driver.js';
import { S3Driver } from '../../src/storage/driver/s3.js';
import { driverConformance } from '../storage/driver-conformance.js';
import { type CephS3, startCeph } from './peers/ceph.js';

const MiB = 1024 * 1024;
const BUCKET = 'dist-driver';
let ceph: CephS3;
let raw: S3Client;
const drivers: S3Driver[] = [];
let n = 0;

function driver(params: Record<string, unknown> = {}): S3Driver {
  const d = S3Driver.fromParameters({
    accesskey: ceph.accessKey,
    secretkey: ceph.secretKey,
    region: ceph.region,
    regionendpoint: ceph.endpoint,
    bucket: BUCKET,
    forcepathstyle: true,
    secure: false,
    rootdirectory: `/run-${process.pid}/t${++n}`,
    ...params,
  });
  drivers.push(d);
  return d;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function readAll(d: S3Driver, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await d.reader(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function writeChunks(w: { write(c: Uint8Array): Promise<void> }, data: Buffer, chunk = 256 * 1024): Promise<void> {
  for (let off = 0; off < data.length; off += chunk) await w.write(data.subarray(off, off + chunk));
}

beforeAll(async () => {
  ceph = await startCeph();
  raw = ceph.client();
  await ceph.createBucket(BUCKET);
  process.stderr.write(`ceph rgw up at ${ceph.endpoint} in ${ceph.startMs} ms\n`);
});

afterAll(async () => {
  for (const d of drivers) d.destroy();
  raw?.destroy();
  await ceph?.stop();
});

driverConformance('s3 (ceph rgw)', async () => driver());

describe('s3 driver specifics (ceph rgw)', () => {
  it('lays keys out like distribution: rootdirectory + path, no leading slash', async () => {
    const d = driver({ rootdirectory: '/layout-root/' });
    await d.putContent('/docker/registry/v2/repositories/a/_layers/x', Buffer.from('1'));
    const d0 = driver({ rootdirectory: '' });
    await d0.putContent('/noroot-check/y', Buffer.from('2'));
    const keys = (await raw.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((c) => c.Key) ?? [];
    expect(keys).toContain('layout-root/docker/registry/v2/repositories/a/_layers/x');
    expect(keys).toContain('noroot-check/y');
    expect(await d.list('/docker/registry/v2/repositories')).toEqual(['a']);
    await d0.delete('/noroot-check');
  });

  it('writes multipart parts of >= chunksize, resumes by key after the writer is dropped, and commits', async () => {
    const d = driver({ chunksize: 5 * MiB });
    const data = randomBytes(13 * MiB);
    const w = await d.writer('/up/data');
    await writeChunks(w, data.subarray(0, 11 * MiB));
    // no close(): like a killed process. Only whole parts (>= chunksize) reached the store.
    await new Promise((r) => setTimeout(r, 500)); // let the part upload that was in flight land
    const parts = await partsOf(d, '/up/data');
    expect(parts.length).toBe(2);
    for (const p of parts) expect(p).toBeGreaterThanOrEqual(5 * MiB);
    const stored = parts.reduce((a, b) => a + b, 0);
    expect(stored).toBeLessThan(11 * MiB);

    const d2 = driver({ chunksize: 5 * MiB, rootdirectory: d.options.rootDirectory }); // another "instance"
    const w2 = await d2.writer('/up/data', { append: true });
    expect(w2.size).toBe(stored);
    await writeChunks(w2, data.subarray(stored));
    await w2.commit();
    expect((await d2.stat('/up/data')).size).toBe(data.length);
    expect(sha(await readAll(d2, '/up/data'))).toBe(sha(data));
    const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: d.keys.key('/up/data') }));
    expect(head.ETag).toMatch(/-\d+"$/);
  });

  it('close() leaves a short last part that a later append folds in (small and large prefixes)', async () => {
    const d = driver({ chunksize: 5 * MiB });
    const pieces = [randomBytes(MiB), randomBytes(2 * MiB), randomBytes(4 * MiB), randomBytes(3 * MiB)];
    let w = await d.writer('/small/data');
    for (const [i, p] of pieces.entries()) {
      if (i > 0) w = await d.writer('/small/data', { append: true });
      expect(w.size).toBe(pieces.slice(0, i).reduce((a, b) => a + b.length, 0));
      await w.write(p);
      await w.close();
    }
    w = await d.writer('/small/data', { append: true });
    await w.commit();
    expect(sha(await readAll(d, '/small/data'))).toBe(sha(Buffer.concat(pieces)));
    expect(await uploadsOf(d, '/small/data')).toBe(0);
  });

  it('a committed object is authoritative: a crashed append beside it is discarded on resume', async () => {
    const d = driver({ chunksize: 5 * MiB });
    const data = randomBytes(18 * MiB);
    const w0 = await d.writer('/crash/data');
    await writeChunks(w0, data.subarray(0, 6 * MiB));
    await w0.commit(); // acknowledged: 6 MiB
    const w1 = await d.writer('/crash/data', { append: true });
    expect(w1.size).toBe(6 * MiB);
    await writeChunks(w1, randomBytes(11 * MiB)); // never acknowledged: the "process" dies here
    await new Promise((r) => setTimeout(r, 300));
    expect(await uploadsOf(d, '/crash/data')).toBe(1);
    const w2 = await driver({ chunksize: 5 * MiB, rootdirectory: d.options.rootDirectory }).writer('/crash/data', { append: true });
    expect(w2.size).toBe(6 * MiB);
    expect(await uploadsOf(d, '/crash/data')).toBe(0);
    await writeChunks(w2, data.subarray(6 * MiB));
    await w2.close(); // over a committed object close() completes too
    expect((await d.stat('/crash/data')).size).toBe(data.length);
    expect(sha(await readAll(d, '/crash/data'))).toBe(sha(data));
  });

  it('move copies server-side, with UploadPartCopy above the threshold', async () => {
    const d = driver({ multipartcopythresholdsize: 5 * MiB, multipartcopychunksize: 5 * MiB });
    const big = randomBytes(12 * MiB);
    await d.putContent('/mv/big', big);
    await d.move('/mv/big', '/mv2/big');
    const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: d.keys.key('/mv2/big') }));
    expect(head.ETag).toMatch(/-2"$/); // two copied parts: 5 MiB + 7 MiB (the short tail folded in)
    expect(sha(await readAll(d, '/mv2/big'))).toBe(sha(big));
    await expect(d.stat('/mv/big')).rejects.toBeInstanceOf(PathNotFoundError);
    await d.putContent('/mv/small', Buffer.from('tiny'));
    await d.move('/mv/small', '/mv2/small');
    expect((await d.getContent('/mv2/small')).toString()).toBe('tiny');
  });

  it('redirectURL presigns a GET and a HEAD that a plain client can fetch', async () => {
    const d = driver();
    await d.putContent('/rd/blob', Buffer.from('presigned bytes'));
    const url = await d.redirectURL('/rd/blob', 'GET');
    expect(url).toMatch(/X-Amz-Signature=/);
    const r = await fetch(url!);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('presigned bytes');
    const h = await fetch((await d.redirectURL('/rd/blob', 'HEAD'))!, { method: 'HEAD' });
    expect(h.status).toBe(200);
    expect(h.headers.get('content-length')).toBe('15');
    expect((await fetch(url!.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=00'))).status).toBe(403);
  });

  it('delete removes a prefix tree but not siblings sharing a name prefix', async () => {
    const d = driver();
    await d.putContent('/del/a/x', Buffer.from('1'));
    await d.putContent('/del/ab', Buffer.from('2'));
    await d.delete('/del/a');
    expect(await d.list('/del')).toEqual(['ab']);
  });

  it('cancel aborts the multipart upload; a fresh writer aborts stale ones', async () => {
    const d = driver({ chunksize: 5 * MiB });
    const w = await d.writer('/cx/data');
    await w.write(randomBytes(6 * MiB));
    await w.close();
    expect(await uploadsOf(d, '/cx/data')).toBe(1);
    const fresh = await d.writer('/cx/data');
    expect(fresh.size).toBe(0);
    expect(await uploadsOf(d, '/cx/data')).toBe(1);
    await fresh.cancel();
    expect(await uploadsOf(d, '/cx/data')).toBe(0);
    await expect(d.stat('/cx/data')).rejects.toBeInstanceOf(PathNotFoundError);
    // A writer that died with parts uploaded, under a tree that is then deleted: its upload is aborted too.
    const dead = await d.writer('/cx/tree/sub/data');
    await dead.write(randomBytes(6 * MiB));
    await new Promise((r) => setTimeout(r, 300));
    await d.putContent('/cx/tree/startedat', Buffer.from('x'));
    expect(await uploadsOf(d, '/cx/tree/sub/data')).toBe(1);
    await d.delete('/cx/tree');
    expect(await uploadsOf(d, '/cx/tree/sub/data')).toBe(0);
  });

  it('committing an empty writer creates an empty object', async () => {
    const d = driver();
    const w = await d.writer('/e/empty');
    await w.commit();
    expect((await readAll(d, '/e/empty')).length).toBe(0);
    expect((await d.stat('/e/empty')).size).toBe(0);
  });
});

async function uploadsOf(d: S3Driver, path: string): Promise<number> {
  const key = d.keys.key(path);
  const r = await raw.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: key }));
  return (r.Uploads ?? []).filter((u) => u.Key === key).length;
}

async function partsOf(d: S3Driver, path: string): Promise<number[]> {
  const key = d.keys.key(path);
  const r = await raw.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: key }));
  const u = (r.Uploads ?? []).find((x) => x.Key === key);
  if (!u) return [];
  const p = await raw.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: u.UploadId }));
  return (p.Parts ?? []).map((x) => x.Size ?? 0);
}
