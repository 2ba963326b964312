import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { blobName } from '../../src/content/layout/paths.js';
import { ANNOTATION_REF_NAME } from '../../src/oci/types.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { randomImage, randomIndex, storeImage, type FixtureImage } from '../helpers/layout-fixture.js';
import { buildOnce, dist, eventsOf, resultOf } from './helpers.js';
import { tempDir } from '../helpers/temp.js';

let reg: TestRegistry;
let work: string;
let env: NodeJS.ProcessEnv;
let img: FixtureImage;
let srcDir: string;

beforeAll(async () => {
  buildOnce();
  reg = await startRegistry();
  work = tempDir('dist-cli-');
  env = { DIST_STATE_DIR: join(work, 'state'), DOCKER_CONFIG: join(work, 'docker'), REGISTRY_AUTH_FILE: join(work, 'auth.json') };
  img = await randomImage({ layers: 3, size: 20_000 });
  srcDir = join(work, 'src-layout');
  await storeImage(await OciLayout.open(srcDir), img.blobs, 'v1');
}, 180_000);
afterAll(async () => {
  await reg?.close();
});

describe('dist push / pull (CLI, in-process dist serve)', () => {
  it('push DIR:tag uploads every blob and the manifest, byte-exact', async () => {
    const r = await dist(['push', `${srcDir}:v1`, `${reg.host}/team/app:v1`, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(resultOf(r).digest).toBe(img.manifest.desc.digest);
    expect(eventsOf(r, 'blob-done')).toHaveLength(4);
    expect(eventsOf(r, 'manifest-pushed')).toHaveLength(1);
    const res = await fetch(`${reg.url}/v2/team/app/manifests/v1`, { headers: { accept: img.manifest.desc.mediaType } });
    expect(Buffer.from(await res.arrayBuffer())).toEqual(img.manifest.bytes);
  });

  it('push DIR@digest pushes that manifest under the given tag', async () => {
    const r = await dist(['push', `${srcDir}@${img.manifest.desc.digest}`, `${reg.host}/team/bydigest:d1`, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(resultOf(r)).toMatchObject({ digest: img.manifest.desc.digest, tag: 'd1' });
  });

  it('a second push skips blobs the registry has', async () => {
    const r = await dist(['push', `${srcDir}:v1`, `${reg.host}/team/app:v2`, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(eventsOf(r, 'blob-skipped')).toHaveLength(4);
    expect(eventsOf(r, 'blob-start')).toHaveLength(0);
  });

  it('pull into the default directory, then again without fetching any blob', async () => {
    const cwd = await mkdtemp(join(work, 'pull-'));
    const r = await dist(['pull', `${reg.host}/team/app:v1`, '--json'], { env, cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(resultOf(r).digest).toBe(img.manifest.desc.digest);
    const dir = join(cwd, 'app');
    for (const b of img.blobs) expect(await readFile(join(dir, blobName(b.desc.digest)))).toEqual(b.bytes);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    expect(index.manifests[0].annotations[ANNOTATION_REF_NAME]).toBe('v1');
    const again = await dist(['pull', `${reg.host}/team/app:v2`, '--json'], { env, cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(eventsOf(again, 'blob-start')).toHaveLength(0);
    expect(eventsOf(again, 'blob-skipped')).toHaveLength(4);
    const tags = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')).manifests.map((d: { annotations: Record<string, string> }) => d.annotations[ANNOTATION_REF_NAME]);
    expect(tags.sort()).toEqual(['v1', 'v2']);
    expect(await readdir(join(dir, '.dist-ingest'))).toEqual([]);
  });

  it('pull to FILE.tar writes a docker-archive that pushes back with the same digest', async () => {
    const tar = join(work, 'app.tar');
    const r = await dist(['pull', `${reg.host}/team/app:v1`, '-o', tar, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(resultOf(r).format).toBe('docker-archive');
    const back = await dist(['push', tar, `${reg.host}/other/app:fromtar`, '--json'], { env });
    expect(back.code, back.stderr).toBe(0);
    expect(resultOf(back).digest).toBe(img.manifest.desc.digest);
    const oci = join(work, 'app-oci.tar');
    const r2 = await dist(['pull', `${reg.host}/team/app:v1`, '-o', oci, '--format', 'oci-archive', '-q'], { env });
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toContain(img.manifest.desc.digest);
    expect(r2.stderr).toBe('');
  });

  it('copy between two repositories of one registry mounts instead of uploading', async () => {
    const r = await dist(['copy', `${reg.host}/team/app:v1`, `${reg.host}/mirror/app:v1`, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(eventsOf(r, 'blob-mounted')).toHaveLength(4);
    expect(eventsOf(r, 'blob-start')).toHaveLength(0);
    expect(resultOf(r).digest).toBe(img.manifest.desc.digest);
  });

  it('multi-platform: copy keeps the index, pull --platform takes one, --all-platforms all', async () => {
    const idx = await randomIndex([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }], { layers: 1, size: 1000 });
    const dir = join(work, 'multi');
    await storeImage(await OciLayout.open(dir), idx.blobs, 'm');
    const p = await dist(['push', `${dir}:m`, `${reg.host}/team/multi:m`, '--json'], { env });
    expect(resultOf(p).digest).toBe(idx.index.desc.digest);
    const arm = join(work, 'arm');
    const a = await dist(['pull', `${reg.host}/team/multi:m`, '-o', arm, '--platform', 'linux/arm64', '--json'], { env });
    expect(resultOf(a).digest).toBe(idx.images[1]!.manifest.desc.digest);
    expect(existsSync(join(arm, blobName(idx.images[0]!.layers[0]!.desc.digest)))).toBe(false);
    const all = join(work, 'all');
    const b = await dist(['pull', `${reg.host}/team/multi:m`, '-o', all, '--all-platforms', '--json'], { env });
    expect(resultOf(b).digest).toBe(idx.index.desc.digest);
    for (const x of idx.blobs) expect(existsSync(join(all, blobName(x.desc.digest)))).toBe(true);
  });

  it('errors: unknown tag exits with the not-found code and one line', async () => {
    const r = await dist(['pull', `${reg.host}/team/app:nope`, '-o', join(work, 'nope')], { env });
    expect(r.code).toBe(3);
    expect(existsSync(join(work, 'nope'))).toBe(false);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dist: /);
  });

  it('a corrupt blob served by the registry is detected, named, and leaves no file behind', async () => {
    const layer = img.layers[1]!.desc.digest;
    const server = createServer((req, res) => {
      const up = httpRequest(`${reg.url}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        let first = req.method === 'GET' && !!req.url?.endsWith(layer);
        ur.on('data', (c: Buffer) => {
          if (first) {
            c = Buffer.from(c);
            c[c.length - 1] ^= 0xff;
            first = false;
          }
          res.write(c);
        });
        ur.on('end', () => res.end());
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const out = join(work, 'corrupt');
    const r = await dist(['pull', `${host}/team/app:v1`, '-o', out], { env });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain(layer);
    expect(existsSync(join(out, blobName(layer)))).toBe(false);
    expect(await readdir(join(out, '.dist-ingest'))).toEqual([]);
    const tar = join(work, 'corrupt.tar');
    const r2 = await dist(['pull', `${host}/team/app:v1`, '-o', tar], { env });
    expect(r2.code, r2.stderr).toBe(5);
    expect((await readdir(work)).filter((n) => n.startsWith('corrupt.tar'))).toEqual([]);
    server.close();
  });
});

describe('dist inspect on local paths', () => {
  it('summarises a layout tag, an archive, and lists a multi-tag layout', async () => {
    const dir = join(work, 'inspect-layout');
    const layout = await OciLayout.open(dir);
    await storeImage(layout, img.blobs, 'a');
    const one = await dist(['inspect', `${dir}:a`, '--json']);
    expect(one.code, one.stderr).toBe(0);
    const s = JSON.parse(one.stdout);
    expect(s.digest).toBe(img.manifest.desc.digest);
    expect(s.layers.map((l: { digest: string }) => l.digest)).toEqual(img.layers.map((l) => l.desc.digest));
    const raw = await dist(['inspect', `${dir}:a`, '--raw']);
    expect(Buffer.from(raw.stdout)).toEqual(img.manifest.bytes);
    const cfg = await dist(['inspect', dir, '--config']);
    expect(Buffer.from(cfg.stdout)).toEqual(img.config.bytes);
    await layout.tag(img.manifest.desc, 'b');
    const list = await dist(['inspect', dir]);
    expect(list.stdout).toContain('2 manifests');
    const tar = join(work, 'inspect.tar');
    expect((await dist(['copy', `${dir}:a`, tar, '-q'])).code).toBe(0);
    const t = await dist(['inspect', tar, '--json']);
    expect(JSON.parse(t.stdout).digest).toBe(img.manifest.desc.digest);
  });
});
