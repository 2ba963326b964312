import { beforeAll, describe, expect, it } from 'vitest';
import { closeAfterEach } from '../helpers/closers.js';
import { buildOnce } from '../cli/helpers.js';
import { hostileRegistry, oneLine, runWithin, type Route } from './hostile-registry.js';

const closers = closeAfterEach();
beforeAll(() => buildOnce(), 180_000);

/** A JSON page with an optional `Link: <next>; rel="next"`. */
const page = (body: unknown, next?: string): Route => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', ...(next ? { link: `<${next}>; rel="next"` } : {}) });
  res.end(JSON.stringify(body));
};

async function registry(routes: Record<string, Route>): Promise<string> {
  const r = await hostileRegistry(routes);
  closers.push(r.close);
  return r.host;
}

describe('dist tags / catalog against a hostile registry', () => {
  it('a Link to a new URL every time with nothing new (tags): exits 1 in bounded time, each tag printed once', async () => {
    let n = 0;
    const host = await registry({ '/v2/r/tags/list': (req, res) => page({ tags: ['a'] }, `/v2/r/tags/list?n=1&x=${++n}`)(req, res) });
    const r = await runWithin(10_000, ['tags', `${host}/r`]);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(/tags of r: .*pagination loops.*incomplete/);
    expect(r.stdout).toBe('a\n');
    expect(n).toBeLessThan(5);
  });

  it('the same for the catalog, where the Link keeps the query but adds to it', async () => {
    let n = 0;
    const host = await registry({ '/v2/_catalog': (req, res) => page({ repositories: ['x/y'] }, `/v2/_catalog?last=x/y&again=${++n}`)(req, res) });
    const r = await runWithin(10_000, ['--json', 'catalog', host]);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(/catalog of .*pagination loops/);
    expect(r.json).toEqual([{ repository: 'x/y' }]);
  });

  it('pages that repeat entries (a registry ignoring `last`): every tag once, exit 0', async () => {
    const host = await registry({
      '/v2/r/tags/list': (req, res) => {
        const last = new URL(req.url!, 'http://h').searchParams.get('last');
        if (!last) return page({ tags: ['a', 'b'] }, '/v2/r/tags/list?last=b')(req, res);
        if (last === 'b') return page({ tags: ['b', 'c'] }, '/v2/r/tags/list?last=c')(req, res);
        page({ tags: ['c', 'd'] })(req, res);
      },
    });
    const r = await runWithin(10_000, ['tags', `${host}/r`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a\nb\nc\nd\n');
  });

  it('"tags" that is not a list of names is an error, not an empty repository ("tags": null still is one)', async () => {
    for (const body of [{ tags: 'latest' }, { tags: [1, 2] }, ['latest']]) {
      const host = await registry({ '/v2/r/tags/list': page(body) });
      const r = await runWithin(10_000, ['tags', `${host}/r`]);
      expect(r.code, JSON.stringify(body)).toBe(1);
      expect(oneLine(r)).toMatch(/tags of r: registry sent .*(not a list of names|not an object)/);
      expect(r.stdout).toBe('');
    }
    const host = await registry({ '/v2/r/tags/list': page({ name: 'r', tags: null }) });
    const r = await runWithin(10_000, ['tags', `${host}/r`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });
});

describe('a registry that invents new tags on every page', () => {
  it('is listed up to a bound, then stops with an error (memory stays bounded)', async () => {
    let n = 0;
    const host = await registry({
      '/v2/r/tags/list': (req, res) => {
        n++;
        page({ tags: Array.from({ length: 100 }, (_, i) => `t${n}-${i}`) }, `/v2/r/tags/list?page=${n}`)(req, res);
      },
    });
    const { RemoteRepository } = await import('../../src/client/repository.js');
    const repo = new RemoteRepository(host, 'r', { journal: false, retry: { maxAttempts: 1 } });
    let got = 0;
    const run = (async () => {
      for await (const p of repo.tagPages({ maxEntries: 1000 })) got += p.length;
    })();
    await expect(run).rejects.toThrow(/tags of r: more than 1000 entries and the registry still links to more pages; stopped/);
    expect(got).toBe(1000);
    expect(n).toBe(11);
  });

  it('a last page that crosses the bound without linking further is listed whole', async () => {
    const host = await registry({ '/v2/r/tags/list': page({ tags: Array.from({ length: 1500 }, (_, i) => `t${i}`) }) });
    const { RemoteRepository } = await import('../../src/client/repository.js');
    const tags = await new RemoteRepository(host, 'r', { journal: false }).tags({ maxEntries: 1000 });
    expect(tags).toHaveLength(1500);
  });
});
