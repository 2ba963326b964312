import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { startRegistry } from '../helpers/registry.js';
import { type Served, spawnServe } from './spawn.js';
import { raw, sha } from './util.js';
import { tempDir } from '../helpers/temp.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('dist-stream-');
});

/**
 * A filesystem driver that counts reads of upload data (to prove PUT does not re-read the blob).
 * `local: false` hides its files (as S3 or memory would): uploads are then hashed in-process.
 */
class CountingDriver extends FilesystemDriver {
  uploadReads = 0;
  localPaths: string[] = [];
  constructor(root: string, private readonly local = true) {
    super(root);
  }
  override async reader(path: string, offset?: number): Promise<Readable> {
    if (path.includes('/_uploads/')) this.uploadReads++;
    return super.reader(path, offset);
  }
  override localPath(path: string): string {
    this.localPaths.push(path);
    // (a driver without local files has no such method; here the registry only ever asks)
    return this.local ? super.localPath(path) : (undefined as unknown as string);
  }
}

describe('streaming', () => {
  it('the digest is computed while PATCH data arrives: finishing does not re-read the data, except once after a restart', async () => {
    const driver = new CountingDriver(dir, false);
    const a = await startRegistry({ driver });
    const data = Buffer.alloc(300_000, 7);
    const loc = (await raw(a.url, 'POST', '/v2/s/r/blobs/uploads/')).header('location')!;
    await raw(a.url, 'PATCH', loc, { body: data.subarray(0, 100_000) });
    await raw(a.url, 'PATCH', loc, { body: data.subarray(100_000, 200_000) });
    expect((await raw(a.url, 'PUT', `${loc}?digest=${sha(data.subarray(0, 200_000))}`)).status).toBe(201);
    expect(driver.uploadReads).toBe(0);
    const loc2 = (await raw(a.url, 'POST', '/v2/s/r/blobs/uploads/')).header('location')!;
    await raw(a.url, 'PATCH', loc2, { body: data.subarray(0, 150_000) });
    await a.close();
    const b = await startRegistry({ driver });
    await raw(b.url, 'PATCH', loc2, { body: data.subarray(150_000) });
    expect((await raw(b.url, 'PUT', `${loc2}?digest=${sha(data)}`)).status).toBe(201);
    expect(driver.uploadReads).toBe(1);
    await b.close();
  });

  it('where uploads are local files, the hashing worker reads them: no driver read, also after a restart, and the digests hold', async () => {
    const driver = new CountingDriver(dir, true);
    const a = await startRegistry({ driver });
    const data = Buffer.alloc(9_000_000, 7);
    for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;
    const loc = (await raw(a.url, 'POST', '/v2/s/w/blobs/uploads/')).header('location')!;
    await raw(a.url, 'PATCH', loc, { body: data.subarray(0, 5_000_000) });
    await raw(a.url, 'PATCH', loc, { body: data.subarray(5_000_000, 8_000_000) });
    const wrong = await raw(a.url, 'PUT', `${loc}?digest=${sha(data)}`); // (8 MB uploaded, not 9)
    expect(wrong.status).toBe(400);
    expect((await raw(a.url, 'PUT', `${loc}?digest=${sha(data.subarray(0, 8_000_000))}`)).status).toBe(201);
    const loc2 = (await raw(a.url, 'POST', '/v2/s/w/blobs/uploads/')).header('location')!;
    await raw(a.url, 'PATCH', loc2, { body: data.subarray(0, 6_000_000) });
    await a.close();
    const b = await startRegistry({ driver });
    await raw(b.url, 'PATCH', loc2, { body: data.subarray(6_000_000) });
    expect((await raw(b.url, 'PUT', `${loc2}?digest=${sha(Buffer.from('not it'))}`)).status).toBe(400);
    expect((await raw(b.url, 'PUT', `${loc2}?digest=${sha(data)}`)).status).toBe(201);
    expect(driver.uploadReads).toBe(0);
    expect(driver.localPaths.some((p) => p.includes('/_uploads/'))).toBe(true);
    await b.close();
  });

  it('server memory stays well below the blob size while a 96 MiB blob is pushed and pulled', async () => {
    const served: Served = await spawnServe([join(dir, 'data'), '--addr', '127.0.0.1:0', '--log-level', 'error']);
    try {
      const mem = async (key: 'VmRSS' | 'VmHWM'): Promise<number> => {
        const status = await readFile(`/proc/${served.proc.pid}/status`, 'utf8');
        return Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
      };
      await raw(served.url, 'GET', '/v2/');
      const baseline = await mem('VmRSS');
      const MB = 96;
      const size = MB * 1024 * 1024;
      const chunk = Buffer.alloc(1024 * 1024);
      const h = createHash('sha256');
      for (let i = 0; i < MB; i++) {
        chunk.fill(i);
        h.update(chunk);
      }
      const digest = `sha256:${h.digest('hex')}`;
      const u = new URL(served.url);
      const loc = (await raw(served.url, 'POST', '/v2/big/blob/blobs/uploads/')).header('location')!;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: u.hostname, port: u.port, method: 'PUT', path: `${loc}?digest=${digest}`, headers: { 'Content-Length': String(size) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        let i = 0;
        const write = (): void => {
          while (i < MB) {
            chunk.fill(i++);
            if (!req.write(Buffer.from(chunk))) return void req.once('drain', write);
          }
          req.end();
        };
        write();
      });
      expect(status).toBe(201);
      const pulled = await new Promise<string>((resolve, reject) => {
        request({ host: u.hostname, port: u.port, path: `/v2/big/blob/blobs/${digest}` }, (res) => {
          const hh = createHash('sha256');
          res.on('data', (c: Buffer) => hh.update(c));
          res.on('end', () => resolve(`sha256:${hh.digest('hex')}`));
          res.on('error', reject);
        }).end();
      });
      expect(pulled).toBe(digest);
      const growth = (await mem('VmHWM')) - baseline;
      // Garbage from 64 KiB socket chunks waits for V8's external-memory GC (tens of MiB), so the
      // bound is "well below the blob", which buffering the blob anywhere would break.
      expect(growth).toBeLessThan(size * 0.75);
    } finally {
      served.proc.kill('SIGTERM');
      await served.exited;
    }
  });
});
