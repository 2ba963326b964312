import { beforeAll, describe, expect, it } from 'vitest';
import { closeAfterEach } from '../helpers/closers.js';
import { buildOnce } from '../cli/helpers.js';
import { hostileRegistry, isolatedEnv, layoutWithImage, oneLine, runWithin, type Route } from './hostile-registry.js';

const closers = closeAfterEach();
beforeAll(() => buildOnce(), 180_000);

/** Read the request body, then answer. */
const after = (answer: Route): Route => (req, res) => {
  req.resume();
  req.on('end', () => answer(req, res));
};

/** A fresh session URL per POST (sessions run in parallel: one per blob). */
let sessions = 0;
const newSession = (): string => `/v2/r/blobs/uploads/u${++sessions}?_state=s`;

/**
 * A registry that has no blob and answers the upload requests with the routes given (defaults:
 * honest 202/204/201, with `Range` from the bytes each session received).
 */
async function uploadRegistry(o: { post?: Route; patch?: Route; status?: Route; put?: Route; manifest?: Route }): Promise<{ host: string; hits: string[] }> {
  const received = new Map<string, number>();
  const range = (url: string): string => `0-${Math.max(0, (received.get(url.split('?')[0]!) ?? 0) - 1)}`;
  const r = await hostileRegistry({
    'HEAD /v2/r/blobs/*': (_q, s) => void s.writeHead(404).end(),
    'POST /v2/r/blobs/uploads/': o.post ?? ((_q, s) => void s.writeHead(202, { location: newSession(), range: '0-0' }).end()),
    'PATCH /v2/r/blobs/uploads/*': (q, s) => {
      const path = q.url!.split('?')[0]!;
      q.on('data', (d: Buffer) => received.set(path, (received.get(path) ?? 0) + d.length));
      after(o.patch ?? ((q2, s2) => void s2.writeHead(202, { location: q2.url!, range: range(q2.url!) }).end()))(q, s);
    },
    'GET /v2/r/blobs/uploads/*': o.status ?? ((q, s) => void s.writeHead(204, { location: q.url!, range: range(q.url!) }).end()),
    'PUT /v2/r/blobs/uploads/*': after(o.put ?? ((q, s) => void s.writeHead(201, { 'docker-content-digest': new URL(q.url!, 'http://h').searchParams.get('digest')! }).end())),
    'HEAD /v2/r/manifests/*': (_q, s) => void s.writeHead(404).end(),
    'PUT /v2/r/manifests/*': after(o.manifest ?? ((_q, s) => void s.writeHead(201).end())),
  });
  closers.push(r.close);
  return r;
}

describe('dist push against a hostile registry', () => {
  it('PATCHes acknowledged without the offset ever moving (Range stuck at 0-99, or 416 forever): bounded, exit 1, one line', async () => {
    const { work, layoutDir } = await layoutWithImage(40_000);
    const stuck = await uploadRegistry({ patch: (q, s) => void s.writeHead(202, { location: q.url!, range: '0-99' }).end() });
    const r = await runWithin(15_000, ['--chunk-size', '10K', 'push', `${layoutDir}:v1`, `${stuck.host}/r:v1`], isolatedEnv(work, 'a'));
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(/upload sha256:[0-9a-f]{64}: the registry keeps answering that it has 100 bytes/);
    expect(stuck.hits.filter((h) => h.startsWith('PATCH')).length).toBeLessThan(40);

    const refuses = await uploadRegistry({
      patch: (q, s) => void s.writeHead(416, { location: q.url! }).end(),
      status: (q, s) => void s.writeHead(204, { location: q.url!, range: '0-0' }).end(),
    });
    const r2 = await runWithin(15_000, ['--chunk-size', '10K', 'push', `${layoutDir}:v1`, `${refuses.host}/r:v1`], isolatedEnv(work, 'b'));
    expect(r2.signal).toBeNull();
    expect(r2.code).toBe(1);
    expect(oneLine(r2)).toMatch(/the registry keeps answering that it has 0 bytes/);
  });

  it('a Location that is missing, does not parse, or is not http(s): exit 1, one line naming it (no "Invalid URL")', async () => {
    const { work, layoutDir } = await layoutWithImage(40_000);
    const cases: Array<[string, Parameters<typeof uploadRegistry>[0], RegExp]> = [
      ['none', { post: (_q, s) => void s.writeHead(202).end() }, /registry sent no Location/],
      ['garbage', { post: (_q, s) => void s.writeHead(202, { location: 'http://[::zz' }).end() }, /registry sent an unusable Location "http:\/\/\[::zz"/],
      ['file', { post: (_q, s) => void s.writeHead(202, { location: 'file:///etc/passwd' }).end() }, /unusable Location "file:\/\/\/etc\/passwd"/],
      ['patch', { patch: (_q, s) => void s.writeHead(202, { location: 'http://[::zz', range: '0-10239' }).end() }, /unusable Location/],
    ];
    for (const [name, routes, message] of cases) {
      const reg = await uploadRegistry(routes);
      const r = await runWithin(15_000, ['--chunk-size', '10K', 'push', `${layoutDir}:v1`, `${reg.host}/r:v1`], isolatedEnv(work, name));
      expect(r.code, name).toBe(1);
      expect(oneLine(r), name).toMatch(message);
    }
  });

  it('a 201 whose Docker-Content-Digest names other bytes (blob, then manifest): exit 5, nothing more pushed', async () => {
    const { work, layoutDir } = await layoutWithImage(4096);
    const other = `sha256:${'ab'.repeat(32)}`;
    const reg = await uploadRegistry({ put: (_q, s) => void s.writeHead(201, { 'docker-content-digest': other }).end() });
    const r = await runWithin(15_000, ['push', `${layoutDir}:v1`, `${reg.host}/r:v1`], isolatedEnv(work, 'a'));
    expect(r.code).toBe(5);
    expect(oneLine(r)).toMatch(new RegExp(`the registry says it stored other bytes.*got ${other}`));
    expect(reg.hits.some((h) => h.startsWith('PUT /v2/r/manifests/'))).toBe(false);

    const lying = await uploadRegistry({ manifest: (_q, s) => void s.writeHead(201, { 'docker-content-digest': other }).end() });
    const m = await runWithin(15_000, ['push', `${layoutDir}:v1`, `${lying.host}/r:v1`], isolatedEnv(work, 'b'));
    expect(m.code).toBe(5);
    expect(oneLine(m)).toMatch(new RegExp(`put manifest r@sha256:[0-9a-f]{64} \\(the registry says it stored other bytes\\).*got ${other}`));
  });

  it('an OCI-Chunk-Min-Length of 1 TiB does not make dist hold the blob in memory: one streamed PATCH per blob', async () => {
    const { work, layoutDir, img } = await layoutWithImage(20 * 1024 * 1024);
    const layer = img.layers[0]!;
    for (const mode of [[], ['--chunk-size', '1M']]) {
      const sent: string[] = [];
      const reg = await uploadRegistry({
        post: (_q, s) => void s.writeHead(202, { location: newSession(), range: '0-0', 'oci-chunk-min-length': String(2 ** 40) }).end(),
      });
      const r = await runWithin(30_000, [...mode, '-v', 'push', `${layoutDir}:v1`, `${reg.host}/r:v1`], isolatedEnv(work, mode.join('') || 'default'));
      for (const l of r.stderr.split('\n')) if (/^dist: >\s+(content-length|content-range):/.test(l)) sent.push(l);
      expect(r.code, r.stderr.split("\n").filter((l) => !l.startsWith("dist: >") && !l.startsWith("dist: <")).join("\n")).toBe(0);
      const patches = reg.hits.filter((h) => h.startsWith('PATCH'));
      expect(patches, mode.join(' ')).toHaveLength(2); // the config and the layer, one each
      // the layer went in that PATCH, without Content-Range (a stream), and no PUT carried it
      expect(sent).toContain(`dist: >   content-length: ${layer.desc.size}`);
      expect(sent.filter((l) => l.includes('content-range'))).toEqual([]);
    }
  });
});
