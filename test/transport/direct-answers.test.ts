import { createHash, randomBytes } from 'node:crypto';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import type { Digest } from '../../src/digest/digest.js';
import type { Descriptor } from '../../src/oci/types.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
function within<T>(p: Promise<T>, ms: number): Promise<T | 'hung'> {
  return Promise.race([p, sleep(ms).then(() => 'hung' as const)]);
}

/**
 * A registry on a raw TCP server: it answers each request and ends its side (half-open), so the
 * connection's 'close' here says the CLIENT closed its socket (else the client holds an fd in
 * CLOSE_WAIT for as long as it runs).
 */
interface RawRegistry {
  host: string;
  /** One entry per request sent with `connection: close` (direct-get.ts): its path and whether the client closed it. */
  direct: Array<{ path: string; closed: boolean }>;
  close(): Promise<void>;
}

async function rawRegistry(answer: (path: string, headers: string) => string): Promise<RawRegistry> {
  const direct: RawRegistry['direct'] = [];
  const sockets = new Set<Socket>();
  const srv: TcpServer = createTcpServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    let head = '';
    s.on('error', () => {});
    s.on('data', (d) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = head.slice(0, end);
      head = head.slice(end + 4);
      const path = text.split(' ')[1]!;
      if (/\r\nconnection: close/i.test(text)) {
        const rec = { path, closed: false };
        s.once('close', () => (rec.closed = true));
        direct.push(rec);
      }
      // the answer, then this side's FIN (as a server honouring `Connection: close` does)
      s.end(answer(path, text));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(srv.address() as AddressInfo).port}`,
    direct,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); srv.close(() => r()); }),
  };
}

const response = (status: string, headers: Record<string, string>, body: string): string =>
  `HTTP/1.1 ${status}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

// Review of 9729b2c: any answer with one Content-Length (401, 307, 404, 503…) is now a DirectBody.
describe('direct reads of non-2xx answers', () => {
  const blob = randomBytes(2 * 1024 * 1024);
  const desc: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(blob), size: blob.length };
  let tokens: TestServer;
  let reg: RawRegistry;
  let tokenDelayMs = 0;
  let tokenStatus = 200;

  beforeAll(async () => {
    tokens = await startHttpServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(tokenStatus, { 'content-type': 'application/json' });
        res.end(tokenStatus === 200 ? JSON.stringify({ token: 'tok' }) : '{}');
      }, tokenDelayMs);
    });
    reg = await rawRegistry((path, head) => {
      if (path.startsWith('/v2/auth/') && !/\r\nauthorization:/i.test(head)) {
        return response('401 Unauthorized', {
          'www-authenticate': `Bearer realm="${tokens.url}/token",service="review"`,
          'content-type': 'application/json',
        }, JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      }
      if (path.startsWith('/v2/loop/')) return response('307 Temporary Redirect', { location: path, 'content-type': 'text/html' }, '<a href="/x">Temporary Redirect</a>.\n\n');
      return response('404 Not Found', { 'content-type': 'application/json' }, JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] }));
    });
  });
  afterAll(async () => {
    await reg.close();
    await tokens.close();
  });

  const opts = { retry: { maxAttempts: 1 }, credentials: { get: async () => undefined }, journal: false as const };

  it('control: a 404 read directly (responseError reads it to its end) closes its connection', async () => {
    reg.direct.length = 0;
    const repo = new RemoteRepository(reg.host, 'nothere/x', opts);
    const r = await repo.fetch(desc).then(() => 'fetched', (e: Error) => e.message);
    expect(r).toMatch(/blob unknown/);
    await sleep(200);
    expect(reg.direct.map((d) => d.closed)).toEqual([true]);
  });

  it('a 401 read directly, whose token request then fails, does not leave its connection open', async () => {
    tokenDelayMs = 0;
    tokenStatus = 401;
    reg.direct.length = 0;
    const repo = new RemoteRepository(reg.host, 'auth/private', opts);
    const r = await repo.fetch(desc).then(() => 'fetched', (e: Error) => e.message);
    expect(r).toMatch(/authentication required/);
    await sleep(200);
    expect(reg.direct.length).toBe(1);
    // the DirectBody is neither read nor destroyed by the auth middleware: its socket stays open
    expect(reg.direct.map((d) => d.closed)).toEqual([true]);
  });

  it('too many redirects, each read directly: the last answer is not left open', async () => {
    reg.direct.length = 0;
    const repo = new RemoteRepository(reg.host, 'loop/x', opts);
    const r = await repo.fetch(desc).then(() => 'fetched', (e: Error) => e.message);
    expect(r).toMatch(/too many redirects/);
    await sleep(200);
    expect(reg.direct.length).toBe(6);
    expect(reg.direct.filter((d) => !d.closed).map((d) => d.path)).toEqual([]);
  });

  it('a GET aborted while the auth middleware fetches the token for its retry rejects promptly, without an unhandled error', async () => {
    tokenDelayMs = 500;
    tokenStatus = 200;
    const errors: string[] = [];
    const onErr = (e: unknown): void => void errors.push((e as Error).message);
    process.prependListener('uncaughtException', onErr);
    try {
      const repo = new RemoteRepository(reg.host, 'auth/abort', opts);
      const ac = new AbortController();
      const p = repo.fetch(desc, { signal: ac.signal }).then(() => 'fetched', (e: Error) => `rejected: ${e.message}`);
      await sleep(150); // the 401 arrived (a DirectBody, unread); the token is on its way
      ac.abort(new Error('gave up'));
      const r = await within(p, 2000);
      // undici destroys an aborted body with a no-op 'error' listener; DirectBody emits 'error' to nobody,
      // then discard() waits for an 'end'/'close' that was already emitted
      expect({ r, errors }).toEqual({ r: 'rejected: gave up', errors: [] });
    } finally {
      process.removeListener('uncaughtException', onErr);
    }
  });
});

describe('direct-get timers', () => {
  it('control: no connect/head timer is left behind by a direct GET, a declined one, or a refused connection', async () => {
    const blob = randomBytes(1024 * 1024);
    const srv = await startHttpServer((req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        res.end('abc');
        return;
      }
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.end(blob);
    });
    const { directGetHandler } = await import('../../src/transport/direct-get.js');
    const { createDispatcher, undiciHandler } = await import('../../src/transport/base.js');
    const dispatcher = createDispatcher();
    const send = directGetHandler(undiciHandler(dispatcher));
    const timers = (): number => process.getActiveResourcesInfo().filter((t) => t === 'Timeout').length;
    const before = timers();
    const ok = await send({ method: 'GET', url: new URL('/blob', srv.url), bulk: true });
    for await (const _ of ok.body) { /* read it */ }
    const chunked = await send({ method: 'GET', url: new URL('/chunked', srv.url), bulk: true });
    for await (const _ of chunked.body) { /* read it */ }
    await srv.close();
    await send({ method: 'GET', url: new URL('/gone', srv.url), bulk: true }).catch(() => undefined);
    await dispatcher.close();
    await sleep(50);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
