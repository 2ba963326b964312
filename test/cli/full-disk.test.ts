import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobName, partialName } from '../../src/content/layout/paths.js';
import { fileSizeLimit } from '../helpers/file-size-limit.js';
import { dist, eventsOf } from './helpers.js';
import { envFor, oneLayerSetup, type OneLayer } from './one-layer.js';

const LIMIT = 1024 * 1024;
let s: OneLayer;

beforeAll(async () => {
  s = await oneLayerSetup('dist-full-', 3 * LIMIT);
}, 180_000);
afterAll(async () => {
  await s?.reg.close();
});

describe('pull onto a full disk (writes fail past 1 MiB per file)', () => {
  it('exits 1 with one line naming the destination and what to do, keeps the bytes, and a rerun continues', async () => {
    const env = envFor(s.work, 'full');
    const ref = `${s.reg.host}/full/img:v1`;
    expect((await dist(['--plain-http', '-q', 'push', `${s.layoutDir}:v1`, ref], { env })).code).toBe(0);
    const out = join(s.work, 'out');
    const r = await dist(['--plain-http', '-q', 'pull', ref, '-o', out], { env, wrapper: fileSizeLimit(LIMIT) });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dist: destination: sha256:[0-9a-f]{64}: cannot write .*EFBIG.*\(free some space and run the same command again/);
    const layer = s.img.layers[0]!.desc;
    expect(existsSync(join(out, blobName(layer.digest)))).toBe(false);
    expect((await stat(join(out, partialName(layer.digest)))).size).toBe(LIMIT);
    const again = await dist(['--plain-http', '--json', 'pull', ref, '-o', out], { env });
    expect(again.code).toBe(0);
    expect(eventsOf(again, 'download-resumed').map((e) => e.offset)).toEqual([LIMIT]);
    expect((await stat(join(out, blobName(layer.digest)))).size).toBe(layer.size);
  });
});
