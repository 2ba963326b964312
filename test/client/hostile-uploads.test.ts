import { beforeAll, describe, expect, it } from 'vitest';
import { closeAfterEach } from '../helpers/closers.js';
import { buildOnce } from '../cli/helpers.js';
import { hostileRegistry, isolatedEnv, layoutWithImage, oneLine, runWithin, type Route } from './hostile-registry.js';

const closers = closeAfterEach();
beforeAll(() => buildOnce(), 180_000);

interface Upload {
  /** Bytes of PATCH bodies received in all. */
  received: number;
}

/** Read the request body, then answer. */
const after = (answer: Route): Route => (req, res) => {
  req.resume();
  req.on('end', () => answer(req, res));
};

/**
 * A registry that has no blob, starts sessions at `/v2/r/blobs/uploads/u1?_state=s`, and answers
 * the upload requests with the routes given (defaults: honest 202/204/201).
 */
async function uploadRegistry(o: { post?: Route; patch?: (u: Upload) => Route; status?: (u: Upload) => Route; put?: Route; manifest?: Route }): Promise<{ host: string; hits: string[] }> {
  const u: Upload = { received: 0 };
  const range = (): string => `0-${Math.max(0, u.received - 1)}`;
  const r = await hostileRegistry({
    'HEAD /v2/r/blobs/*': (_q, s) => void s.writeHead(404).end(),
    'POST /v2/r/blobs/uploads/': o.post ?? ((_q, s) => void s.writeHead(202, { location: '/v2/r/blobs/uploads/u1?_state=s', range: '0-0' }).end()),
    'PATCH /v2/r/blobs/uploads/*': (q, s) => {
      q.on('data', (d: Buffer) => (u.received += d.length));
      after(o.patch?.(u) ?? ((q2, s2) => void s2.writeHead(202, { location: q2.url!, range: range() }).end()))(q, s);
    },
    'GET /v2/r/blobs/uploads/*': o.status?.(u) ?? ((q, s) => void s.writeHead(204, { location: q.url!, range: range() }).end()),
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
    const stuck = await uploadRegistry({ patch: () => (q, s) => void s.writeHead(202, { location: q.url!, range: '0-99' }).end() });
    const r = await runWithin(15_000, ['--chunk-size', '10K', 'push', `${layoutDir}:v1`, `${stuck.host}/r:v1`], isolatedEnv(work, 'a'));
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(/upload sha256:[0-9a-f]{64}: the registry keeps answering that it has 100 bytes/);
    expect(stuck.hits.filter((h) => h.startsWith('PATCH')).length).toBeLessThan(40);

    const refuses = await uploadRegistry({
      patch: () => (q, s) => void s.writeHead(416, { location: q.url! }).end(),
      status: () => (q, s) => void s.writeHead(204, { location: q.url!, range: '0-0' }).end(),
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
      ['patch', { patch: () => (_q, s) => void s.writeHead(202, { location: 'http://[::zz', range: '0-10239' }).end() }, /unusable Location/],
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
    expect(oneLine(m)).toMatch(new RegExp(`put manifest r:sha256:[0-9a-f]{64} \\(the registry says it stored other bytes\\).*got ${other}`));
  });
});
