import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pull } from '../../src/copy/api.js';
import { digestOf } from '../../src/digest/digest.js';
import { EMPTY_LAYER_DIGEST, EMPTY_LAYER_GZIP } from '../../src/legacy/empty-layer.js';
import { generateKey } from '../../src/legacy/keys.js';
import { schema1ManifestHandlers } from '../../src/legacy/schema1-handlers.js';
import { signSchema1 } from '../../src/legacy/sign.js';
import { marshalSchema1 } from '../../src/legacy/to-schema1.js';
import { buildOnce, dist } from '../cli/helpers.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushBlob, raw } from '../server/util.js';
import { tarOf } from './tar-writer.js';
import { tempDir } from '../helpers/temp.js';

const base = gzipSync(tarOf([{ name: 'etc/', typeflag: '5', mode: 0o755 }, { name: 'etc/hello', body: 'hello schema 1\n', mode: 0o644 }]));
const top = tarOf([{ name: 'bin/app', body: 'binary', mode: 0o755 }]);
const topGz = gzipSync(top);
const v1 = (o: Record<string, unknown>): string => JSON.stringify(o);

describe('pull of a schema 1 image writes an OCI layout', () => {
  let reg: TestRegistry;
  let work: string;
  let digest: string;
  beforeAll(async () => {
    work = tempDir('dist-pull-s1-');
    reg = await startRegistry({ manifestHandlers: await schema1ManifestHandlers({ key: generateKey() }) });
    await pushBlob(reg.url, 'legacy/app', base);
    await pushBlob(reg.url, 'legacy/app', EMPTY_LAYER_GZIP);
    // the top layer is named by its tarsum (pushed the V2.0 way)
    const start = await raw(reg.url, 'POST', '/v2/legacy/app/blobs/uploads/');
    const loc = new URL(start.header('location')!, reg.url);
    const { tarsumOf } = await import('../../src/legacy/tarsum/stream.js');
    const { Readable } = await import('node:stream');
    const ts = await tarsumOf(Readable.from([topGz]));
    loc.searchParams.set('digest', ts);
    expect((await raw(reg.url, 'PUT', loc.pathname + loc.search, { body: topGz })).status).toBe(201);
    const payload = marshalSchema1('legacy/app', 'v1', 'amd64', [EMPTY_LAYER_DIGEST, ts, digestOf(base)], [
      v1({ id: 'c'.repeat(64), parent: 'b'.repeat(64), created: '2015-01-03T00:00:00Z', container_config: { Cmd: ['/bin/sh', '-c', '#(nop) CMD ["/bin/app"]'] }, config: { Cmd: ['/bin/app'] }, architecture: 'amd64', os: 'linux', throwaway: true, Size: 0 }),
      v1({ id: 'b'.repeat(64), parent: 'a'.repeat(64), created: '2015-01-02T00:00:00Z', container_config: { Cmd: ['/bin/sh', '-c', '#(nop) ADD app'] } }),
      v1({ id: 'a'.repeat(64), created: '2015-01-01T00:00:00Z', container_config: { Cmd: ['/bin/sh', '-c', '#(nop) ADD base'] } }),
    ]);
    const signed = await signSchema1(payload, [generateKey()]);
    const put = await raw(reg.url, 'PUT', '/v2/legacy/app/manifests/v1', { body: signed, headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' } });
    expect(put.status, put.body.toString()).toBe(201);
    digest = put.header('docker-content-digest')!;
  });
  afterAll(async () => {
    await reg.close();
    await rm(work, { recursive: true, force: true });
  });

  it('verifies, fetches layers by sha256 and tarsum, and writes config + OCI manifest', async () => {
    const out = join(work, 'layout');
    const r = await pull(`${reg.host}/legacy/app:v1`, { output: out });
    expect(r.source.digest).toBe(digest);
    expect(r.root.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
    expect(index.manifests[0].digest).toBe(r.root.digest);
    const blob = (d: string): Promise<Buffer> => readFile(join(out, 'blobs/sha256', d.slice(7)));
    const m = JSON.parse((await blob(r.root.digest)).toString());
    expect(m.layers.map((l: { digest: string }) => l.digest)).toEqual([digestOf(base), digestOf(topGz)]);
    expect((await blob(m.layers[1].digest)).equals(topGz)).toBe(true);
    const cfg = JSON.parse((await blob(m.config.digest)).toString());
    expect(cfg.rootfs.diff_ids).toEqual([digestOf((await import('node:zlib')).gunzipSync(base)), digestOf(top)]);
    expect(cfg.history.map((h: { empty_layer?: boolean }) => !!h.empty_layer)).toEqual([false, false, true]);
    expect(cfg.config.Cmd).toEqual(['/bin/app']);
    expect(cfg).not.toHaveProperty('Size');
  });

  it('dist pull does the same from the command line', async () => {
    buildOnce();
    const out = join(work, 'cli');
    const r = await dist(['--json', 'pull', `${reg.host}/legacy/app:v1`, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
    expect(index.manifests[0].mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  }, 120_000);
});
