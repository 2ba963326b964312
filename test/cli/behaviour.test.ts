import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { ANNOTATION_REF_NAME } from '../../src/oci/types.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { randomImage, storeImage, type FixtureImage } from '../helpers/layout-fixture.js';
import { buildOnce, dist, eventsOf, resultOf, spawnDist } from './helpers.js';
import { tempDir } from '../helpers/temp.js';

let reg: TestRegistry;
let reg2: TestRegistry;
let work: string;
let env: NodeJS.ProcessEnv;
let a: FixtureImage;
let b: FixtureImage;

beforeAll(async () => {
  buildOnce();
  [reg, reg2] = await Promise.all([startRegistry(), startRegistry()]);
  work = tempDir('dist-cli-b-');
  env = { DIST_STATE_DIR: join(work, 'state'), DOCKER_CONFIG: join(work, 'docker') };
  a = await randomImage({ layers: 2, size: 30_000 });
  b = await randomImage({ layers: 2, size: 30_000 });
  const dir = join(work, 'src');
  const layout = await OciLayout.open(dir);
  await storeImage(layout, a.blobs, 'a');
  await storeImage(layout, b.blobs, 'b');
  for (const t of ['a', 'b']) expect((await dist(['push', `${dir}:${t}`, `${reg.host}/team/app:${t}`, '-q'], { env })).code).toBe(0);
}, 180_000);
afterAll(async () => {
  await Promise.all([reg?.close(), reg2?.close()]);
});

/** Peak resident memory (VmRSS, KiB) of a child, sampled every 10 ms. */
function watchRss(pid: number): () => number {
  let peak = 0;
  const t = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      /* exited */
    }
  }, 10);
  return () => {
    clearInterval(t);
    return peak;
  };
}

describe('dist pull/copy behaviour', () => {
  it('two concurrent pulls into one layout keep both tags and share blobs', async () => {
    const out = join(work, 'shared');
    const [x, y] = await Promise.all([
      dist(['pull', `${reg.host}/team/app:a`, '-o', out, '-q'], { env }),
      dist(['pull', `${reg.host}/team/app:b`, '-o', out, '-q'], { env }),
    ]);
    expect(x.code, x.stderr).toBe(0);
    expect(y.code, y.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    expect(index.manifests.map((m) => [m.annotations[ANNOTATION_REF_NAME], m.digest]).sort()).toEqual([['a', a.manifest.desc.digest], ['b', b.manifest.desc.digest]]);
    expect((await readdir(join(out, 'blobs/sha256'))).length).toBe(a.blobs.length + b.blobs.length);
  });

  it('copy between two registries keeps the digest; layout → layout copy too', async () => {
    const r = await dist(['copy', `${reg.host}/team/app:a`, `${reg2.host}/elsewhere/app:a`, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(resultOf(r).digest).toBe(a.manifest.desc.digest);
    expect(eventsOf(r, 'blob-mounted')).toHaveLength(0);
    expect(eventsOf(r, 'blob-done')).toHaveLength(3);
    const res = await fetch(`${reg2.url}/v2/elsewhere/app/manifests/a`, { headers: { accept: a.manifest.desc.mediaType } });
    expect(res.headers.get('docker-content-digest')).toBe(a.manifest.desc.digest);
    const byDigest = await dist(['copy', `${reg.host}/team/app@${a.manifest.desc.digest}`, `${reg2.host}/digestonly/app`, '--json'], { env });
    expect(byDigest.code, byDigest.stderr).toBe(0);
    expect(resultOf(byDigest).tag).toBeUndefined();
    const tags = await fetch(`${reg2.url}/v2/digestonly/app/tags/list`);
    expect(((await tags.json()) as { tags: string[] | null }).tags ?? []).toEqual([]);
    const l2 = join(work, 'copied-layout');
    const c = await dist(['copy', `${join(work, 'src')}:b`, `${l2}:bee`, '-q'], { env });
    expect(c.code, c.stderr).toBe(0);
    expect((await (await OciLayout.open(l2)).resolve('bee')).digest).toBe(b.manifest.desc.digest);
  });

  it('non-TTY stderr gets plain progress lines; --json keeps stdout pure JSON', async () => {
    const r = await dist(['pull', `${reg.host}/team/app:a`, '-o', join(work, 'plain')], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/pulled: 3\/3 blobs, .* of .* \(.*\/s\)/);
    expect(r.stdout).toMatch(new RegExp(`^pulled .* ${a.manifest.desc.digest}\\n$`));
    const j = await dist(['pull', `${reg.host}/team/app:a`, '-o', join(work, 'json'), '--json'], { env });
    expect(j.stdout.trim().split('\n').every((l) => l.startsWith('{') && JSON.parse(l))).toBe(true);
    expect(j.stderr).toBe('');
  });

  it('Ctrl-C during a pull to an archive leaves no file behind', async () => {
    const big = await randomImage({ layers: 1, size: 2 * 1024 * 1024 });
    const dir = join(work, 'big');
    await storeImage(await OciLayout.open(dir), big.blobs, 'big');
    expect((await dist(['push', `${dir}:big`, `${reg.host}/team/big:v1`, '-q'], { env })).code).toBe(0);
    let victim: ReturnType<typeof spawnDist> | undefined;
    const server = createServer((req, res) => {
      const up = httpRequest(`${reg.url}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        if (req.method === 'GET' && req.url?.includes(big.layers[0]!.desc.digest)) {
          ur.once('data', (c: Buffer) => {
            res.write(c);
            setTimeout(() => victim?.child.kill('SIGINT'), 200);
          });
          return;
        }
        ur.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const out = join(work, 'ctrlc');
    await (await import('node:fs/promises')).mkdir(out);
    victim = spawnDist(['pull', `${host}/team/big:v1`, '-o', join(out, 'big.tar')], { env });
    const r = await victim.done;
    server.closeAllConnections();
    server.close();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^dist: interrupted by SIGINT/m);
    expect(await readdir(out)).toEqual([]);
  });

  it('memory stays flat: a 96 MiB layer never sits in memory (push, pull to archive, push from archive)', async () => {
    const img = await randomImage({ layers: 1, size: 96 * 1024 * 1024 });
    const dir = join(work, 'large');
    await storeImage(await OciLayout.open(dir), img.blobs, 'h');
    const tar = join(work, 'large.tar');
    const peaks: number[] = [];
    for (const args of [
      ['push', `${dir}:h`, `${reg.host}/team/large:h`, '-q', '--chunk-size', '4M'],
      ['pull', `${reg.host}/team/large:h`, '-o', tar, '-q'],
      ['push', tar, `${reg2.host}/team/large:h`, '-q', '--chunk-size', '4M'],
    ]) {
      const p = spawnDist(args, { env });
      const stop = watchRss(p.child.pid!);
      const r = await p.done;
      peaks.push(stop());
      expect(r.code, r.stderr).toBe(0);
    }
    const res = await fetch(`${reg2.url}/v2/team/large/manifests/h`, { method: 'HEAD', headers: { accept: img.manifest.desc.mediaType } });
    expect(res.headers.get('docker-content-digest')).toBe(img.manifest.desc.digest);
    // Node's CLI baseline here is ~100 MiB RSS; holding the layer would add 96 MiB on top.
    for (const kib of peaks) expect(kib, `peak RSS KiB per step: ${peaks}`).toBeLessThan(160 * 1024);
  });

  it('on a TTY: per-blob progress bars with bytes and rate on stderr, summary after', async () => {
    const { PKG } = await import('./helpers.js');
    const out = join(work, 'tty');
    const cmd = `stty cols 120 rows 40; ${process.execPath} ${join(PKG, 'bin/dist.js')} pull ${reg.host}/team/app:a -o ${out}`;
    const r = await new Promise<{ code: number | null; text: string }>((res) => {
      const p = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, ...env, COLUMNS: '120' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.stderr.on('data', (d: Buffer) => (text += d.toString()));
      p.on('close', (code) => res({ code, text }));
    });
    expect(r.code, r.text).toBe(0);
    const plain = r.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toMatch(/[0-9a-f]{12} \[=+ *\] [\d.]+ (B|KiB|MiB)\/[\d.]+ (B|KiB|MiB) [\d.]+ (B|KiB|MiB)\/s done/);
    expect(plain).toMatch(/pulled: 3\/3 blobs/);
    expect(plain).toContain(a.manifest.desc.digest);
  });
});
