import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { blobName, partialName } from '../../src/content/layout/paths.js';
import { startDistribution, type RunningDistribution } from '../helpers/distribution.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { randomImage, storeImage, type FixtureImage } from '../helpers/layout-fixture.js';
import { dist, eventsOf, resultOf, spawnDist } from '../cli/helpers.js';
import { note } from './client-core-util.js';

const CHUNK = 256 * 1024;

describe('resumable push and pull (CLI) against docker-registry 2.8', () => {
  let reg: RunningDistribution;
  let work: string;
  let img: FixtureImage;
  let layout: string;
  const big = () => img.layers[0]!;
  beforeAll(async () => {
    (await import('../cli/helpers.js')).buildOnce();
    reg = await startDistribution();
    work = await mkdtemp(join(tmpdir(), 'dist-interop-resume-'));
    img = await randomImage({ layers: 1, size: 8 * CHUNK + 777 });
    layout = join(work, 'layout');
    await storeImage(await OciLayout.open(layout), img.blobs, 'v1');
  }, 240_000);
  afterAll(async () => {
    await reg?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('push SIGKILLed after 3 acknowledged chunks: the rerun sends only the rest', async () => {
    const env = { DIST_STATE_DIR: join(work, 'state-push'), DOCKER_CONFIG: join(work, 'docker') };
    let patches = 0;
    let killing = true;
    let victim: ReturnType<typeof spawnDist> | undefined;
    const proxy = await startFaultProxy(reg.host, (req) => {
      if (killing && req.method === 'PATCH' && ++patches === 4) {
        victim?.child.kill('SIGKILL');
        return { kind: 'cut', afterBytes: 0 };
      }
      return { kind: 'pass' };
    });
    const args = ['push', `${layout}:v1`, `${proxy.host}/resume/app:v1`, '--chunk-size', '256K', '--jobs', '1', '--json'];
    victim = spawnDist(args, { env });
    expect((await victim.done).signal).toBe('SIGKILL');
    killing = false;
    const before = proxy.log.length;
    const again = await dist(args, { env });
    expect(again.code, again.stderr).toBe(0);
    const sent = proxy.log.slice(before).filter((l) => (l.method === 'PATCH' || l.method === 'PUT') && l.path.includes('/blobs/uploads/')).reduce((n, l) => n + l.bytes, 0);
    expect(eventsOf(again, 'upload-resumed')).toEqual([expect.objectContaining({ offset: 3 * CHUNK })]);
    expect(sent).toBe(big().desc.size - 3 * CHUNK);
    const res = await fetch(`http://${reg.host}/v2/resume/app/blobs/${big().desc.digest}`);
    expect(`sha256:${createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')}`).toBe(big().desc.digest);
    expect(resultOf(again).digest).toBe(img.manifest.desc.digest);
    note('resume push vs docker-registry', { killedAfter: 3 * CHUNK, secondRunSent: sent, size: big().desc.size });
    await proxy.close();
  });

  it('pull SIGKILLed mid-download: the rerun asks docker-registry for the rest with Range', async () => {
    const env = { DIST_STATE_DIR: join(work, 'state-pull'), DOCKER_CONFIG: join(work, 'docker') };
    const seen: Array<{ range?: string; bytes: number; status?: number }> = [];
    let victim: ReturnType<typeof spawnDist> | undefined;
    const STALL = 3 * CHUNK;
    const server = createServer((req: IncomingMessage, res) => {
      const isBig = req.method === 'GET' && !!req.url?.includes(big().desc.digest);
      const entry = { range: req.headers.range, bytes: 0, status: 0 };
      if (isBig) seen.push(entry);
      const first = isBig && seen.length === 1;
      const up = httpRequest(`http://${reg.host}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
        entry.status = ur.statusCode ?? 0;
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.on('data', (c: Buffer) => {
          if (!first) {
            entry.bytes += c.length;
            return void res.write(c);
          }
          const room = STALL - entry.bytes;
          if (room <= 0) return;
          entry.bytes += Math.min(room, c.length);
          res.write(c.subarray(0, room), () => {
            if (entry.bytes >= STALL) setTimeout(() => victim?.child.kill('SIGKILL'), 300);
          });
        });
        ur.on('end', () => (first ? undefined : res.end()));
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    // the image is in the registry from the previous case
    const out = join(work, 'pulled');
    victim = spawnDist(['pull', `${host}/resume/app:v1`, '-o', out, '--json'], { env });
    expect((await victim.done).signal).toBe('SIGKILL');
    expect(existsSync(join(out, blobName(big().desc.digest)))).toBe(false);
    const partial = (await stat(join(out, partialName(big().desc.digest)))).size;
    const again = await dist(['pull', `${host}/resume/app:v1`, '-o', out, '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(seen[1]).toMatchObject({ range: `bytes=${partial}-`, status: 206, bytes: big().desc.size - partial });
    expect((await readFile(join(out, blobName(big().desc.digest)))).equals(big().bytes)).toBe(true);
    note('resume pull vs docker-registry', { partial, rangeSent: seen[1]!.range, status: seen[1]!.status, secondRunBytes: seen[1]!.bytes });
    server.closeAllConnections();
    server.close();
  });
});
