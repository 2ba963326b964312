import { randomBytes } from 'node:crypto';
import { readdir, readlink, rm } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBody } from '../../src/server/send-body.js';
import { canReadInto } from '../../src/storage/driver/file-reader.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { MemoryDriver } from '../../src/storage/driver/memory.js';
import { tempDir } from '../helpers/temp.js';

// 2.3 MiB: several pooled chunks, the last one partial.
const data = randomBytes(2.3 * 1024 * 1024);
let dir: string;
let fs: FilesystemDriver;
const mem = new MemoryDriver();
// larger than loopback socket buffers, so that a client that leaves mid-body is noticed
const big = randomBytes(24 * 1024 * 1024);
let server: Server;
let url: string;
let last: Promise<void> = Promise.resolve();

/** How many of this process's descriptors are open on `file`. */
async function openOn(file: string): Promise<number> {
  const links = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return links.filter((l) => l === file).length;
}

function fetchBuf(path: string, abortAfter?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = get(url + path, (res) => {
      const parts: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        parts.push(c);
        n += c.length;
        if (abortAfter !== undefined && n >= abortAfter) {
          req.destroy();
          resolve(Buffer.concat(parts));
        }
      });
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    });
    req.on('error', (e) => (abortAfter === undefined ? reject(e) : undefined));
  });
}

beforeAll(async () => {
  dir = tempDir('dist-send-');
  fs = new FilesystemDriver(dir);
  await fs.putContent('/blob', data);
  await fs.putContent('/big', big);
  await mem.putContent('/blob', data);
  server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    const start = Number(u.searchParams.get('start') ?? 0);
    const driver = u.pathname === '/mem' ? mem : fs;
    last = (async () => {
      const file = u.pathname === '/big' ? '/big' : '/blob';
      const size = file === '/big' ? big.length : data.length;
      const src = await driver.reader(file, start);
      const length = Number(u.searchParams.get('length') ?? size - start);
      res.setHeader('Content-Length', length);
      await sendBody(src, length, res);
    })();
    last.catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('sendBody', () => {
  it('the filesystem reader takes the pooled path; a memory reader is piped', async () => {
    const r = await fs.reader('/blob');
    expect(canReadInto(r)).toBe(true);
    r.destroy();
    expect(canReadInto(await mem.reader('/blob'))).toBe(false);
  });

  it('sends the whole file and any range of it byte-exact (pooled and piped)', async () => {
    expect((await fetchBuf('/fs')).equals(data)).toBe(true);
    expect((await fetchBuf('/mem')).equals(data)).toBe(true);
    const [s, l] = [777_777, 1_234_567];
    expect((await fetchBuf(`/fs?start=${s}&length=${l}`)).equals(data.subarray(s, s + l))).toBe(true);
    expect((await fetchBuf(`/fs?start=${data.length - 1}&length=1`)).equals(data.subarray(-1))).toBe(true);
    await last;
  });

  it('a client that goes away mid-body ends the send with an error and closes the file', async () => {
    const file = join(dir, 'big');
    const got = await fetchBuf('/big', 600 * 1024);
    expect(got.length).toBeLessThan(big.length);
    await expect(last).rejects.toThrow();
    for (let i = 0; i < 50 && (await openOn(file)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await openOn(file)).toBe(0);
  });
});
