import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { randomImage, storeImage, type FixtureImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import { buildOnce, dist } from './helpers.js';

describe('dist blob', () => {
  let reg: TestRegistry;
  let liar: FaultProxy;
  let img: FixtureImage;
  let dir: string;
  beforeAll(async () => {
    buildOnce();
    reg = await startRegistry();
    img = await randomImage({ layers: 1, size: 300 * 1024 });
    await storeImage(new RemoteRepository(reg.host, 'b/app', { journal: false }), img.blobs, 'v1');
    // serves other bytes of the same length for every blob
    liar = await startFaultProxy(reg.host, (req) => (req.method === 'GET' && (req.url ?? '').includes('/blobs/')
      ? { kind: 'respond', status: 200, headers: { 'content-type': 'application/octet-stream', 'content-length': String(img.layers[0]!.bytes.length) }, body: 'x'.repeat(img.layers[0]!.bytes.length) }
      : { kind: 'pass' }));
    dir = tempDir('dist-cli-blob-');
  });
  afterAll(async () => {
    await liar.close();
    await reg.close();
  });

  it('writes the exact bytes to stdout or to a file', async () => {
    const layer = img.layers[0]!;
    const cfg = await dist(['blob', `${reg.host}/b/app@${img.config.desc.digest}`]);
    expect(cfg.code, cfg.stderr).toBe(0);
    expect(cfg.stdout).toBe(img.config.bytes.toString('utf8'));
    const out = join(dir, 'layer.tar');
    const r = await dist(['blob', `${reg.host}/b/app@${layer.desc.digest}`, '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual([{ reference: `${reg.host}/b/app@${layer.desc.digest}`, digest: layer.desc.digest, size: layer.desc.size, output: out }]);
    expect((await readFile(out)).equals(layer.bytes)).toBe(true);
  });

  it('bytes that do not match the digest: exit 5, and the file keeps its old content', async () => {
    const out = join(dir, 'kept.tar');
    await writeFile(out, 'old');
    const r = await dist(['blob', `${liar.host}/b/app@${img.layers[0]!.desc.digest}`, '-o', out]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/digest mismatch/);
    expect(await readFile(out, 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const toStdout = await dist(['blob', `${liar.host}/b/app@${img.layers[0]!.desc.digest}`]);
    expect(toStdout.code).toBe(5);
  });

  it('a reference without a digest is a usage error; an unknown blob is exit 3 and writes nothing', async () => {
    expect((await dist(['blob', `${reg.host}/b/app:v1`])).code).toBe(2);
    const out = join(dir, 'absent.bin');
    const r = await dist(['blob', `${reg.host}/b/app@sha256:${'0'.repeat(64)}`, '-o', out]);
    expect(r.code).toBe(3);
    expect(existsSync(out)).toBe(false);
  });
});
