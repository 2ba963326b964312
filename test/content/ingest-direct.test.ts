import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { blobName } from '../../src/content/layout/paths.js';
import { copyBlob } from '../../src/copy/blob.js';
import type { Digest } from '../../src/digest/digest.js';
import type { Descriptor } from '../../src/oci/types.js';
import { DirectBody } from '../../src/transport/direct-body.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { tempDir } from '../helpers/temp.js';

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;

// A pull from a plain-HTTP registry reads blob bodies straight off the socket (DirectBody) and the
// layout drains them into its file: these tests pin that this path keeps every guarantee of the
// streamed one (verified content only, resumable partial files, nothing left behind on a mismatch).
describe('pulling blobs into a layout through direct reads', () => {
  const good = randomBytes(3 * 1024 * 1024 + 5);
  const goodDesc: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(good), size: good.length };
  const other = randomBytes(1024 * 1024);
  const corruptDesc: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(other), size: other.length };
  const flaky = randomBytes(2 * 1024 * 1024 + 1);
  const flakyDesc: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(flaky), size: flaky.length };
  let server: TestServer;
  const ranges: Array<string | undefined> = [];
  let flakyCalls = 0;

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      const digest = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url!)?.[1];
      if (digest === goodDesc.digest) {
        res.writeHead(200, { 'content-length': String(good.length) });
        res.end(good);
      } else if (digest === corruptDesc.digest) {
        const bad = Buffer.from(other);
        bad[bad.length - 1] ^= 1;
        res.writeHead(200, { 'content-length': String(bad.length) });
        res.end(bad);
      } else if (digest === flakyDesc.digest) {
        ranges.push(req.headers.range);
        const from = Number(/^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''))?.[1] ?? 0);
        res.writeHead(from ? 206 : 200, {
          'content-length': String(flaky.length - from),
          ...(from ? { 'content-range': `bytes ${from}-${flaky.length - 1}/${flaky.length}` } : {}),
        });
        if (flakyCalls++ === 0) {
          res.write(flaky.subarray(0, 1_000_000)); // then the connection breaks
          setTimeout(() => res.socket?.destroy(), 20);
        } else res.end(flaky.subarray(from));
      } else {
        res.writeHead(404, { 'content-length': '0' });
        res.end();
      }
    });
  });
  afterAll(() => server.close());

  const repo = (): RemoteRepository => new RemoteRepository(server.host, 'direct/test', { retry: { maxAttempts: 1 } });

  it('a registry fetch of a blob is a verifying DirectBody', async () => {
    const body = await repo().fetch(goodDesc);
    expect(body).toBeInstanceOf(DirectBody);
    expect((body as DirectBody).verifies(goodDesc.digest, goodDesc.size)).toBe(true);
    body.destroy();
  });

  it('a blob under 1 MiB stays on undici\'s kept-alive connections', async () => {
    const small = { ...goodDesc, size: 1000 };
    const body = await repo().fetch(small, { verify: false });
    expect(body).not.toBeInstanceOf(DirectBody);
    body.destroy();
  });

  it('stores the blob byte-exact', async () => {
    const dir = tempDir();
    const layout = await OciLayout.open(dir);
    await layout.push(goodDesc, await repo().fetch(goodDesc));
    expect((await readFile(join(dir, blobName(goodDesc.digest)))).equals(good)).toBe(true);
  });

  it('content that does not match its digest never enters the layout, and no partial file stays', async () => {
    const dir = tempDir();
    const layout = await OciLayout.open(dir);
    const err = await layout.push(corruptDesc, await repo().fetch(corruptDesc)).catch((e: unknown) => e);
    expect((err as Error).name).toBe('DigestMismatchError');
    expect(existsSync(join(dir, blobName(corruptDesc.digest)))).toBe(false);
    expect(await readdir(join(dir, '.dist-ingest'))).toEqual([]);
  });

  it('a broken connection keeps what arrived, and the copy continues from there with a Range', async () => {
    const dir = tempDir();
    const layout = await OciLayout.open(dir);
    const events: string[] = [];
    await copyBlob({ src: repo(), dst: layout, onEvent: (e) => events.push(e.type) }, flakyDesc);
    expect((await readFile(join(dir, blobName(flakyDesc.digest)))).equals(flaky)).toBe(true);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/(\d+)/.exec(ranges[1]!)![1])).toBeGreaterThan(0);
    expect(events).toContain('download-resumed');
  });
});
