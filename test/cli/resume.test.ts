import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobName, partialName } from '../../src/content/layout/paths.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import type { TestRegistry } from '../helpers/registry.js';
import type { FixtureImage } from '../helpers/layout-fixture.js';
import { envFor as envForIn, oneLayerSetup } from './one-layer.js';
import { dist, eventsOf, resultOf, spawnDist } from './helpers.js';

const CHUNK = 256 * 1024;
let reg: TestRegistry;
let work: string;
let img: FixtureImage;
let layoutDir: string;
const big = () => img.layers[0]!;

beforeAll(async () => {
  ({ reg, work, img, layoutDir } = await oneLayerSetup('dist-resume-', 8 * CHUNK + 1000));
}, 180_000);
afterAll(async () => {
  await reg?.close();
});

const envFor = (name: string): NodeJS.ProcessEnv => envForIn(work, name);

async function blobDigestOnRegistry(repo: string): Promise<string> {
  const res = await fetch(`${reg.url}/v2/${repo}/blobs/${big().desc.digest}`);
  return `sha256:${createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')}`;
}

describe('resumable transfers (CLI, registry-side byte counts)', () => {
  it('push: SIGKILL after some chunks, rerun sends only the remaining bytes', async () => {
    const env = envFor('kill');
    let patches = 0;
    let victim: ReturnType<typeof spawnDist> | undefined;
    let killing = true;
    const proxy = await startFaultProxy(reg.host, (req) => {
      if (killing && req.method === 'PATCH' && ++patches === 4) {
        victim?.child.kill('SIGKILL');
        return { kind: 'cut', afterBytes: 0 };
      }
      return { kind: 'pass' };
    });
    const args = ['push', `${layoutDir}:v1`, `${proxy.host}/resume/kill:v1`, '--chunk-size', '256K', '--jobs', '1', '--json'];
    victim = spawnDist(args, { env });
    const first = await victim.done;
    expect(first.signal).toBe('SIGKILL');
    const firstPatched = proxy.log.filter((l) => l.method === 'PATCH' && l.status === 202).reduce((s, l) => s + l.bytes, 0);
    expect(firstPatched).toBe(3 * CHUNK);
    killing = false;
    const before = proxy.log.length;
    const again = await dist(args, { env });
    expect(again.code, again.stderr).toBe(0);
    const resumed = eventsOf(again, 'upload-resumed');
    expect(resumed).toEqual([expect.objectContaining({ digest: big().desc.digest, offset: 3 * CHUNK })]);
    const sent = proxy.log.slice(before).filter((l) => (l.method === 'PATCH' || l.method === 'PUT') && l.path.includes('/blobs/uploads/')).reduce((n, l) => n + l.bytes, 0);
    expect(sent).toBe(big().desc.size - 3 * CHUNK);
    expect(await blobDigestOnRegistry('resume/kill')).toBe(big().desc.digest);
    expect(resultOf(again).digest).toBe(img.manifest.desc.digest);
    await proxy.close();
  });

  it('push: a connection dropped mid-chunk is resumed in the same run', async () => {
    const env = envFor('drop');
    let patches = 0;
    const proxy = await startFaultProxy(reg.host, (req) => (req.method === 'PATCH' && ++patches === 3 ? { kind: 'cut', afterBytes: 100_000 } : { kind: 'pass' }));
    const r = await dist(['push', `${layoutDir}:v1`, `${proxy.host}/resume/drop:v1`, '--chunk-size', '256K', '--jobs', '1', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const total = proxy.bytesFor('PATCH', '/blobs/uploads/') + proxy.bytesFor('PUT', '/blobs/uploads/');
    // Everything once, plus at most the part of the dropped chunk the registry did not keep.
    expect(total).toBeGreaterThanOrEqual(big().desc.size + img.config.desc.size);
    expect(total).toBeLessThanOrEqual(big().desc.size + img.config.desc.size + 100_000);
    expect(await blobDigestOnRegistry('resume/drop')).toBe(big().desc.digest);
    await proxy.close();
  });

  it('pull: SIGKILL mid-download, rerun asks for the rest with Range', async () => {
    const env = envFor('pull');
    const push = await dist(['push', `${layoutDir}:v1`, `${reg.host}/resume/pull:v1`, '-q'], { env });
    expect(push.code, push.stderr).toBe(0);
    const ranges: Array<{ range?: string; bytes: number }> = [];
    let victim: ReturnType<typeof spawnDist> | undefined;
    const STALL_AT = 3 * CHUNK;
    const server = createServer((req: IncomingMessage, res) => {
      const isBig = req.method === 'GET' && req.url?.includes(big().desc.digest);
      const entry = { range: req.headers.range, bytes: 0 };
      if (isBig) ranges.push(entry);
      const up = httpRequest(`http://${reg.host}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.on('data', (c: Buffer) => {
          if (!isBig || ranges.length > 1) {
            entry.bytes += c.length;
            return void res.write(c);
          }
          const room = STALL_AT - entry.bytes;
          if (room > 0) {
            entry.bytes += Math.min(room, c.length);
            res.write(c.subarray(0, room), () => {
              if (entry.bytes >= STALL_AT) setTimeout(() => victim?.child.kill('SIGKILL'), 300);
            });
          }
        });
        ur.on('end', () => (!isBig || ranges.length > 1 ? res.end() : undefined));
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const out = join(work, 'pulled');
    victim = spawnDist(['pull', `${host}/resume/pull:v1`, '-o', out, '--json'], { env });
    const first = await victim.done;
    expect(first.signal).toBe('SIGKILL');
    expect(existsSync(join(out, blobName(big().desc.digest)))).toBe(false);
    const partial = (await stat(join(out, partialName(big().desc.digest)))).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThanOrEqual(STALL_AT);
    const again = await dist(['pull', `${host}/resume/pull:v1`, '-o', out, '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(eventsOf(again, 'download-resumed')).toEqual([expect.objectContaining({ offset: partial })]);
    expect(ranges[1]!.range).toBe(`bytes=${partial}-`);
    expect(ranges[1]!.bytes).toBe(big().desc.size - partial);
    expect((await readFile(join(out, blobName(big().desc.digest)))).equals(big().bytes)).toBe(true);
    expect((await readdir(join(out, '.dist-ingest'))).filter((n) => !n.endsWith('.lock'))).toEqual([]);
    server.closeAllConnections();
    server.close();
  });

  it('pull: a connection dropped mid-blob is continued in the same run with Range', async () => {
    const env = envFor('pulldrop');
    expect((await dist(['push', `${layoutDir}:v1`, `${reg.host}/resume/pulldrop:v1`, '-q'], { env })).code).toBe(0);
    const gets: Array<{ range?: string; bytes: number }> = [];
    const CUT = 2 * CHUNK + 12345;
    const server = createServer((req: IncomingMessage, res) => {
      const isBig = req.method === 'GET' && !!req.url?.includes(big().desc.digest);
      const entry = { range: req.headers.range, bytes: 0 };
      if (isBig) gets.push(entry);
      const cut = isBig && gets.length === 1;
      const up = httpRequest(`http://${reg.host}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.on('data', (c: Buffer) => {
          if (!cut) {
            entry.bytes += c.length;
            return void res.write(c);
          }
          const room = CUT - entry.bytes;
          if (room <= 0) return;
          entry.bytes += Math.min(room, c.length);
          res.write(c.subarray(0, room), () => {
            if (entry.bytes >= CUT) setTimeout(() => res.socket?.destroy(), 50);
          });
        });
        ur.on('end', () => (cut ? undefined : res.end()));
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const out = join(work, 'pulldrop');
    const r = await dist(['pull', `${host}/resume/pulldrop:v1`, '-o', out, '--json'], { env });
    server.closeAllConnections();
    server.close();
    expect(r.code, r.stderr).toBe(0);
    expect(gets).toHaveLength(2);
    expect(gets[1]).toEqual({ range: `bytes=${CUT}-`, bytes: big().desc.size - CUT });
    expect(eventsOf(r, 'download-resumed')).toEqual([expect.objectContaining({ offset: CUT })]);
    expect((await readFile(join(out, blobName(big().desc.digest)))).equals(big().bytes)).toBe(true);
  });
});
