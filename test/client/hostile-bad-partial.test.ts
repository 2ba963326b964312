import { existsSync, readFileSync, statSync } from 'node:fs';


import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { partialName } from '../../src/content/layout/paths.js';
import { randomImage } from '../helpers/layout-fixture.js';
import { closeAfterEach } from '../helpers/closers.js';
import { buildOnce, dist } from '../cli/helpers.js';
import { honest, hostileRegistry, isolatedEnv, runWithin, type Route } from './hostile-registry.js';
import { tempDir } from '../helpers/temp.js';

const closers = closeAfterEach();
beforeAll(() => buildOnce(), 180_000);

/** Every GET sends `wrong` (the first half of the blob's length, wrong bytes) and drops the connection. */
const sendsWrongHalf = (size: number, wrong: Buffer): Route => (req, res) => {
  if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': String(size) }).end();
  if (req.headers.range) return void res.socket?.destroy(); // resumes get nothing: the run gives up
  res.writeHead(200, { 'content-length': String(size) });
  res.write(wrong, () => setTimeout(() => res.socket?.destroy(), 50));
};

/** Honest bytes, honouring `Range: bytes=N-` with a 206. */
const ranged = (body: Buffer): Route => (req, res) => {
  const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
  const from = m ? Number(m[1]) : 0;
  const part = body.subarray(from);
  res.writeHead(m ? 206 : 200, { 'content-length': String(part.length), ...(m ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}) });
  res.end(req.method === 'HEAD' ? undefined : part);
};

describe('a partial download of wrong bytes', () => {
  it('is dropped and the blob restarted in the same run, not left to fail the next one', async () => {
    const img = await randomImage({ layers: 1, size: 300_000 });
    const layer = img.layers[0]!;
    const half = layer.bytes.length >> 1;
    const work = tempDir('dist-badpartial-');
    const out = join(work, 'out');
    const env = isolatedEnv(work, 'a');

    const bad = honest(img);
    bad[`/v2/r/blobs/${layer.desc.digest}`] = sendsWrongHalf(layer.bytes.length, Buffer.alloc(half, 0x5a));
    const evil = await hostileRegistry(bad);
    closers.push(evil.close);
    const first = await runWithin(30_000, ['pull', `${evil.host}/r:v1`, '-o', out], env);
    expect(first.code).not.toBe(0);
    expect(statSync(join(out, partialName(layer.desc.digest))).size).toBe(half); // kept for a resume

    const good = honest(img);
    good[`/v2/r/blobs/${layer.desc.digest}`] = ranged(layer.bytes);
    const fine = await hostileRegistry(good);
    closers.push(fine.close);
    const second = await dist(['--json', 'pull', `${fine.host}/r:v1`, '-o', out], { env }); // not -q: the events are wanted
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.json.filter((e) => e.type === 'download-restarted').map((e) => e.offset)).toEqual([half]);
    expect(readFileSync(join(out, 'blobs', 'sha256', layer.desc.digest.slice(7))).equals(layer.bytes)).toBe(true);
    expect(existsSync(join(out, partialName(layer.desc.digest)))).toBe(false);
    // the resume (Range) and then the restart from byte 0
    expect(fine.hits.filter((h) => h.startsWith(`GET /v2/r/blobs/${layer.desc.digest}`))).toHaveLength(2);
  });
});
