import { createHash } from 'node:crypto';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobName } from '../../src/content/layout/paths.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import type { FixtureImage } from '../helpers/layout-fixture.js';
import type { TestRegistry } from '../helpers/registry.js';
import { envFor as envForIn, oneLayerSetup } from './one-layer.js';
import { dist, eventsOf, spawnDist } from './helpers.js';

// Without --chunk-size, a blob above 16 MiB goes in ONE streamed PATCH (as docker, skopeo and
// crane push) and is still resumable: the session is journaled before the first byte, and the
// registry's upload status says where to continue.
let reg: TestRegistry;
let work: string;
let img: FixtureImage;
let layoutDir: string;
const big = () => img.layers[0]!;
const size = (): number => big().desc.size;

beforeAll(async () => {
  ({ reg, work, img, layoutDir } = await oneLayerSetup('dist-stream-', 20 * 1024 * 1024));
}, 180_000);
afterAll(async () => {
  await reg?.close();
});

const envFor = (name: string): NodeJS.ProcessEnv => envForIn(work, name);
const isBigUpload = (method: string, path: string): boolean => method === 'PATCH' && path.includes('/blobs/uploads/');

async function registryDigest(repo: string, digest: string): Promise<string | number> {
  const res = await fetch(`${reg.url}/v2/${repo}/blobs/${digest}`);
  if (res.status !== 200) return res.status;
  return `sha256:${createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')}`;
}

describe('streamed blob uploads (no --chunk-size)', () => {
  it('a large blob goes in one PATCH without Content-Range, every byte once', async () => {
    const ranges: Array<string | undefined> = [];
    const proxy = await startFaultProxy(reg.host, (req) => {
      if (isBigUpload(req.method ?? '', req.url ?? '')) ranges.push(req.headers['content-range'] as string | undefined);
      return { kind: 'pass' };
    });
    const r = await dist(['push', `${layoutDir}:v1`, `${proxy.host}/stream/one:v1`, '--json'], { env: envFor('one') });
    expect(r.code, r.stderr).toBe(0);
    expect(ranges).toEqual([undefined]);
    expect(proxy.bytesFor('PATCH', '/blobs/uploads/')).toBe(size());
    expect(await registryDigest('stream/one', big().desc.digest)).toBe(big().desc.digest);
    expect(await readdir(join(work, 'one', 'state', 'uploads')).catch(() => [])).toEqual([]);
    await proxy.close();
  });

  it('a connection dropped mid-stream continues in the same run from what the registry kept', async () => {
    const CUT = 5 * 1024 * 1024 + 333;
    const ranges: Array<string | undefined> = [];
    const proxy = await startFaultProxy(reg.host, (req) => {
      if (!isBigUpload(req.method ?? '', req.url ?? '')) return { kind: 'pass' };
      ranges.push(req.headers['content-range'] as string | undefined);
      return ranges.length === 1 ? { kind: 'cut', afterBytes: CUT } : { kind: 'pass' };
    });
    const r = await dist(['push', `${layoutDir}:v1`, `${proxy.host}/stream/drop:v1`, '--json'], { env: envFor('drop') });
    expect(r.code, r.stderr).toBe(0);
    const resumed = eventsOf(r, 'upload-resumed') as Array<{ offset: number }>;
    expect(resumed).toHaveLength(1);
    // dist serve keeps the bytes of a PATCH cut short; the second PATCH starts there
    expect(resumed[0]!.offset).toBeGreaterThan(0);
    expect(resumed[0]!.offset).toBeLessThanOrEqual(CUT);
    expect(ranges).toEqual([undefined, `${resumed[0]!.offset}-${size() - 1}`]);
    expect(proxy.bytesFor('PATCH', '/blobs/uploads/')).toBe(CUT + size() - resumed[0]!.offset);
    expect(await registryDigest('stream/drop', big().desc.digest)).toBe(big().desc.digest);
    await proxy.close();
  });

  it('SIGKILL mid-stream: the rerun resumes the same session and sends only the rest', async () => {
    const env = envFor('kill');
    const KILL_AT = 7 * 1024 * 1024;
    let victim: ReturnType<typeof spawnDist> | undefined;
    let seen = 0;
    // the first big PATCH: the client is killed once KILL_AT bytes reached the registry, and the
    // registry sees its request end there (as when a client dies)
    const proxy = await startFaultProxy(reg.host, (req) => {
      if (!victim || !isBigUpload(req.method ?? '', req.url ?? '')) return { kind: 'pass' };
      req.on('data', (c: Buffer) => {
        seen += c.length;
        if (seen >= KILL_AT) victim?.child.kill('SIGKILL');
      });
      return { kind: 'cut', afterBytes: KILL_AT };
    });
    const args = ['push', `${layoutDir}:v1`, `${proxy.host}/stream/kill:v1`, '--json'];
    victim = spawnDist(args, { env });
    expect((await victim.done).signal).toBe('SIGKILL');
    victim = undefined;
    const journal = await readdir(join(work, 'kill', 'state', 'uploads'));
    expect(journal).toHaveLength(1);
    const before = proxy.log.length;
    const again = await dist(args, { env });
    expect(again.code, again.stderr).toBe(0);
    const resumed = eventsOf(again, 'upload-resumed') as Array<{ offset: number }>;
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.offset).toBeGreaterThan(0);
    expect(resumed[0]!.offset).toBeLessThanOrEqual(KILL_AT);
    const sent = proxy.log.slice(before).filter((l) => l.method === 'PATCH' && l.path.includes('/blobs/uploads/')).reduce((n, l) => n + l.bytes, 0);
    expect(sent).toBe(size() - resumed[0]!.offset);
    expect(await registryDigest('stream/kill', big().desc.digest)).toBe(big().desc.digest);
    await proxy.close();
  }, 60_000);

  it('a corrupt local blob is refused by the registry: exit 5 naming the source, nothing stored, journal cleared', async () => {
    const env = envFor('corrupt');
    const dir = join(work, 'corrupt-layout');
    await cp(layoutDir, dir, { recursive: true });
    const file = join(dir, blobName(big().desc.digest));
    const bytes = await readFile(file);
    bytes[size() - 10] = bytes[size() - 10]! ^ 0xff;
    await writeFile(file, bytes);
    const r = await dist(['push', `${dir}:v1`, `${reg.host}/stream/corrupt:v1`], { env });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/source: sha256:[0-9a-f]{64}: the content does not match its digest \(the registry computed another/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await registryDigest('stream/corrupt', big().desc.digest)).toBe(404);
    expect(await readdir(join(work, 'corrupt', 'state', 'uploads')).catch(() => [])).toEqual([]);
  });
});
