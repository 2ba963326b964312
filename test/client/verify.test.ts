import { Readable } from 'node:stream';
import { buffer as drain } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { closeAfterEach } from '../helpers/closers.js';
import { startHttpServer } from '../helpers/http-server.js';
import { tinyImage } from '../helpers/tiny-image.js';

const closers = closeAfterEach();

/** A registry that lies: blobs with flipped bytes, manifests whose bytes do not match their digest. */
async function lyingRegistry(routes: Record<string, { status?: number; headers?: Record<string, string>; body: Buffer }>): Promise<string> {
  const s = await startHttpServer((req, res) => {
    const r = routes[`${req.method} ${(req.url ?? '').split('?')[0]}`] ?? routes[`GET ${(req.url ?? '').split('?')[0]}`];
    if (!r) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"nope"}]}');
    res.writeHead(r.status ?? 200, { 'content-length': String(r.body.length), ...r.headers });
    res.end(req.method === 'HEAD' ? undefined : r.body);
  });
  closers.push(s.close);
  return s.host;
}

describe('verification of fetched content', () => {
  it('a corrupt blob fails while streaming and names the blob', async () => {
    const img = tinyImage([4096]);
    const layer = img.layers[0]!;
    const bad = Buffer.from(layer.bytes);
    bad[100] ^= 0xff;
    const host = await lyingRegistry({ [`GET /v2/x/y/blobs/${layer.desc.digest}`]: { body: bad } });
    const repo = new RemoteRepository(host, 'x/y', { journal: false });
    const err = await drain(await repo.fetch(layer.desc)).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect((err as Error).message).toContain(layer.desc.digest);
  });

  it('a truncated or oversized blob fails with SIZE_MISMATCH', async () => {
    const img = tinyImage([2048]);
    const layer = img.layers[0]!;
    const host = await lyingRegistry({ [`GET /v2/x/y/blobs/${layer.desc.digest}`]: { body: Buffer.concat([layer.bytes, Buffer.from('extra')]) } });
    const repo = new RemoteRepository(host, 'x/y', { journal: false });
    await expect(repo.fetch(layer.desc).then(drain)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
  });

  it('a manifest fetched by digest must hash to that digest', async () => {
    const img = tinyImage([10]);
    const other = Buffer.from(img.manifest.bytes.toString().replace('"schemaVersion":2', '"schemaVersion": 2'));
    const host = await lyingRegistry({ [`GET /v2/x/y/manifests/${img.manifest.desc.digest}`]: { headers: { 'content-type': img.manifest.desc.mediaType }, body: other } });
    const repo = new RemoteRepository(host, 'x/y', { journal: false });
    await expect(repo.fetchManifest(img.manifest.desc.digest)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await expect(repo.fetch(img.manifest.desc).then(drain)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('a manifest fetched by tag must match the Docker-Content-Digest the registry claims', async () => {
    const img = tinyImage([10]);
    const host = await lyingRegistry({
      'GET /v2/x/y/manifests/v1': { headers: { 'content-type': img.manifest.desc.mediaType, 'docker-content-digest': digestOf('something else') }, body: img.manifest.bytes },
    });
    const repo = new RemoteRepository(host, 'x/y', { journal: false });
    await expect(repo.fetchManifest('v1')).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('manifests over 4 MiB are refused without reading them whole', async () => {
    const huge = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    const host = await lyingRegistry({ 'GET /v2/x/y/manifests/big': { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: huge } });
    const repo = new RemoteRepository(host, 'x/y', { journal: false });
    await expect(repo.fetchManifest('big')).rejects.toMatchObject({ code: 'MANIFEST_TOO_BIG' });
  });

  it('error envelopes become typed errors; a missing blob is NOT_FOUND-class', async () => {
    const host = await lyingRegistry({});
    const repo = new RemoteRepository(host, 'x/y', { journal: false });
    const d = tinyImage([1]).layers[0]!.desc;
    expect(await repo.exists(d)).toBe(false);
    await expect(repo.fetch(d)).rejects.toMatchObject({ code: 'BLOB_UNKNOWN', message: expect.stringContaining('nope') });
  });

  it('pushing a manifest whose bytes do not match the descriptor is refused before sending', async () => {
    const host = await lyingRegistry({});
    const img = tinyImage([1]);
    const repo = new RemoteRepository(host, 'x/y', { journal: false });
    await expect(repo.push({ ...img.manifest.desc, digest: digestOf('x') }, Readable.from([img.manifest.bytes]))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });
});
