import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import type { Digest } from '../../src/digest/digest.js';
import type { Descriptor } from '../../src/oci/types.js';
import { DirectBody } from '../../src/transport/direct-body.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { tempDir } from '../helpers/temp.js';

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Settles within `ms` (real time), or 'hung'. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'hung'> {
  return Promise.race([p, realSleep(ms).then(() => 'hung' as const)]);
}

// When a DirectBody's clock runs, and what a body that already failed does when drained.
describe('direct reads: timeouts and late readers', () => {
  const blob = randomBytes(1024 * 1024);
  const desc: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(blob), size: blob.length };
  let server: TestServer;

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.write(blob.subarray(0, 1024));
      // /review/late: the rest follows 1.5 s later; /review/stall: nothing more, ever
      if (req.url!.startsWith('/v2/review/late/')) setTimeout(() => res.end(blob.subarray(1024)), 1500);
    });
  });
  afterAll(() => server.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const repo = (name = 'review/stall', timeoutMs?: number): RemoteRepository =>
    new RemoteRepository(server.host, name, { retry: { maxAttempts: 1 }, ...(timeoutMs ? { timeoutMs } : {}) });

  it('without --timeout, a streamed DirectBody (registry-to-registry copy, archive, blob get) from a stalled registry fails after 300 s, as a drained one (and undici) does', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    // control: drained (a pull into a layout), the body gives up after DEFAULT_IDLE_MS of silence
    const drained = (await repo().fetch(desc, { verify: false })) as DirectBody;
    expect(drained).toBeInstanceOf(DirectBody);
    const draining = drained.drain(() => {}).then(() => 'ended', (e: Error) => e.message);
    await realSleep(300); // the first KiB arrives
    vi.advanceTimersByTime(301_000);
    expect(await within(draining, 2000)).toMatch(/no data/);

    // the same body consumed as a stream (what RemoteRepository.push / ArchiveWriter / getBlob do)
    const streamed = await repo().fetch(desc, { verify: false });
    expect(streamed).toBeInstanceOf(DirectBody);
    let got = 0;
    const outcome = new Promise<string>((resolve) => {
      streamed.on('data', (c: Buffer) => (got += c.length));
      streamed.once('error', (e) => resolve(e.message));
      streamed.once('end', () => resolve('ended'));
    });
    await realSleep(300);
    expect(got).toBe(1024);
    vi.advanceTimersByTime(301_000);
    const r = await within(outcome, 2000);
    streamed.destroy();
    expect(r).toMatch(/no data/);
  });

  it('a blob body aborted before anyone reads it keeps the error for its reader, with no unhandled error', async () => {
    const errors: string[] = [];
    const onErr = (e: unknown): void => void errors.push((e as Error).message);
    process.prependListener('uncaughtException', onErr);
    try {
      const ac = new AbortController();
      const body = (await repo().fetch(desc, { verify: false, signal: ac.signal })) as DirectBody;
      expect(body).toBeInstanceOf(DirectBody);
      ac.abort(new Error('stopped early')); // no 'error' listener on the body yet
      await realSleep(50);
      const r = await within(body.drain(() => {}).then(() => 'drained', (e: Error) => `rejected: ${e.message}`), 2000);
      expect({ r, errors }).toEqual({ r: 'rejected: stopped early', errors: [] });
    } finally {
      process.removeListener('uncaughtException', onErr);
    }
  });

  it('a body that failed before it was drained (its GET was aborted) makes OciLayout.push reject, not hang', async () => {
    const ac = new AbortController();
    const body = await repo().fetch(desc, { verify: false, signal: ac.signal });
    expect(body).toBeInstanceOf(DirectBody);
    body.on('error', () => {}); // as copyBlob does
    ac.abort(new Error('gave up'));
    await realSleep(50);
    expect(body.destroyed).toBe(true);
    const layout = await OciLayout.open(tempDir());
    const r = await within(layout.push(desc, body).then(() => 'stored', (e: Error) => e.message), 2000);
    expect(r).not.toBe('hung');
  });

  it('--timeout counts from when the body is drained, not from when its head arrived (time the consumer spent before draining is no stall)', async () => {
    // --timeout 1 s; the registry is healthy: it sends the rest 1.5 s after the head, i.e. 0.5 s
    // after the consumer starts draining at 1 s
    const body = await repo('review/late', 1000).fetch(desc, { verify: false });
    expect(body).toBeInstanceOf(DirectBody);
    body.on('error', () => {});
    await realSleep(1000); // the consumer was busy (another blob, a lock, a slow disk)
    const layout = await OciLayout.open(tempDir());
    const r = await layout.push(desc, body).then(() => 'stored', (e: Error) => e.message);
    expect(r).toBe('stored'); // (the clock once started at the head: 'no data for 1 s' right after the drain began)
  });
});
