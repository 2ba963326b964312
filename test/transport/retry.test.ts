import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDispatcher, undiciHandler } from '../../src/transport/base.js';
import { parseRetryAfter, retryMiddleware } from '../../src/transport/retry.js';
import { compose, discard, type Handler } from '../../src/transport/types.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { closeAfterEach } from '../helpers/closers.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { tinyImage } from '../helpers/tiny-image.js';

const closers = closeAfterEach();
let last: TestServer | undefined;

async function serve(fn: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<string> {
  let n = 0;
  last = await startHttpServer((req, res) => fn(req, res, ++n));
  closers.push(last.close);
  return last.host;
}

function pipelineWith(sleeps: number[], extra: Parameters<typeof retryMiddleware>[0] = {}): Handler {
  return compose(undiciHandler(createDispatcher()), retryMiddleware({ sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, ...extra }));
}

describe('retry middleware (real node:http server)', () => {
  it('honours 429 Retry-After, then succeeds', async () => {
    const host = await serve((_req, res, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' }).end('{"errors":[{"code":"TOOMANYREQUESTS"}]}');
      else res.writeHead(200).end('ok');
    });
    const sleeps: number[] = [];
    const res = await pipelineWith(sleeps)({ method: 'GET', url: new URL(`http://${host}/v2/`) });
    expect(res.status).toBe(200);
    await discard(res);
    expect(sleeps).toEqual([2000]);
  });

  it('backs off exponentially with jitter on 503 and gives up after maxAttempts', async () => {
    let hits = 0;
    const host = await serve((_req, res) => { hits++; res.writeHead(503).end(); });
    const sleeps: number[] = [];
    const res = await pipelineWith(sleeps, { maxAttempts: 4, baseDelayMs: 100 })({ method: 'GET', url: new URL(`http://${host}/x`) });
    expect(res.status).toBe(503);
    await discard(res);
    expect(hits).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]); // random()=0.5 × 100·2^k
  });

  it('stops when the total time budget would be exceeded by Retry-After', async () => {
    const host = await serve((_req, res) => res.writeHead(429, { 'retry-after': '120' }).end());
    const sleeps: number[] = [];
    const res = await pipelineWith(sleeps, { maxElapsedMs: 60_000 })({ method: 'GET', url: new URL(`http://${host}/x`) });
    expect(res.status).toBe(429);
    await discard(res);
    expect(sleeps).toEqual([]);
  });

  it('retries a dropped connection, never a streaming body', async () => {
    const host = await serve((req, res, n) => {
      if (n === 1) return req.socket.destroy();
      res.writeHead(200).end('fine');
    });
    const sleeps: number[] = [];
    const h = pipelineWith(sleeps);
    const res = await h({ method: 'GET', url: new URL(`http://${host}/x`) });
    expect(res.status).toBe(200);
    await discard(res);
    expect(sleeps).toHaveLength(1);
    await expect(h({ method: 'PUT', url: new URL(`http://${host}/x`), body: Readable.from([Buffer.from('abc')]) })).resolves.toMatchObject({ status: 200 });
    await last!.close();
    const host2 = await serve((req) => req.socket.destroy());
    await expect(h({ method: 'PUT', url: new URL(`http://${host2}/x`), body: Readable.from([Buffer.from('abc')]) })).rejects.toMatchObject({ code: 'TRANSPORT' });
    expect(sleeps).toHaveLength(1);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('a RemoteRepository rides through 429 + Retry-After on a blob GET', async () => {
    const img = tinyImage([300]);
    const layer = img.layers[0]!;
    const seen: string[] = [];
    const host = await serve((req, res, n) => {
      seen.push(`${req.method} ${n}`);
      if (n === 1) return void res.writeHead(429, { 'retry-after': '0' }).end();
      res.writeHead(200, { 'content-length': String(layer.desc.size), 'docker-content-digest': layer.desc.digest }).end(layer.bytes);
    });
    const repo = new RemoteRepository(host, 'r/x', { journal: false });
    const chunks: Buffer[] = [];
    for await (const c of await repo.fetch(layer.desc)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(layer.bytes)).toBe(true);
    expect(seen).toEqual(['GET 1', 'GET 2']);
  });
});
