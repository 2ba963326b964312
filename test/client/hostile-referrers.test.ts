import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { closeAfterEach } from '../helpers/closers.js';
import { bytes, hostileRegistry, type Route } from './hostile-registry.js';

const closers = closeAfterEach();
const SUBJECT = digestOf(Buffer.from('subject'));
const PATH = `/v2/r/referrers/${SUBJECT}`;
const INDEX = 'application/vnd.oci.image.index.v1+json';
const ref = (n: number): Record<string, unknown> => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(Buffer.from(`r${n}`)), size: 100 + n, artifactType: 'x/y' });

async function referrers(route: Route): Promise<{ result: unknown; hits: number }> {
  const reg = await hostileRegistry({ [PATH]: route });
  closers.push(reg.close);
  const repo = new RemoteRepository(reg.host, 'r', { journal: false });
  closers.push(() => repo.client.close());
  const result = await Promise.race([
    repo.referrers(SUBJECT).catch((e: unknown) => e),
    new Promise((r) => setTimeout(() => r('still looping after 3 s'), 3_000)),
  ]);
  return { result, hits: reg.hits.length };
}

describe('referrers (library) against a hostile registry', () => {
  it('a Link back to the same page, or to new URLs that repeat the page: an error, not an endless loop', async () => {
    const same = await referrers((req, res) => bytes(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [ref(1)] }), { 'content-type': INDEX, link: `<${req.url}>; rel="next"` })(req, res));
    expect(same.result).toMatchObject({ code: 'UNKNOWN', message: expect.stringMatching(/pagination loops/) });
    let n = 0;
    const moving = await referrers((req, res) => bytes(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [ref(1)] }), { 'content-type': INDEX, link: `<${PATH}?page=${++n}>; rel="next"` })(req, res));
    expect(moving.result).toMatchObject({ code: 'UNKNOWN', message: expect.stringMatching(/sent nothing new/) });
    expect(moving.hits).toBeLessThan(5);
  });

  it('an index that is null or lists non-descriptors is MANIFEST_INVALID (not a TypeError, not garbage handed on)', async () => {
    for (const body of ['null', JSON.stringify({ manifests: [{ digest: 'nope' }] }), JSON.stringify({ manifests: 'x' })]) {
      const { result } = await referrers(bytes(body, { 'content-type': INDEX }));
      expect(result, body).toMatchObject({ code: 'MANIFEST_INVALID', message: 'referrers: registry sent an invalid index' });
    }
  });
});
