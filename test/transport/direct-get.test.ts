import { createHash, randomBytes } from 'node:crypto';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/digest/digest.js';
import { DigestMismatchError, SizeMismatchError } from '../../src/errors/errors.js';
import { createDispatcher, undiciHandler } from '../../src/transport/base.js';
import { DirectBody } from '../../src/transport/direct-body.js';
import { directGetHandler } from '../../src/transport/direct-get.js';
import type { Handler, HttpRequest } from '../../src/transport/types.js';
import { drained } from '../helpers/drained.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;


describe('direct reads of plain-HTTP blob bodies', () => {
  const blob = randomBytes(5 * 1024 * 1024 + 3);
  let http: TestServer;
  const seen: Array<{ url: string; headers: Record<string, unknown> }> = [];
  const dispatcher = createDispatcher();
  let viaUndici = 0;
  const undici = undiciHandler(dispatcher);
  const counted: Handler = (req) => {
    viaUndici++;
    return undici(req);
  };
  const send = directGetHandler(counted);
  const get = (path: string, extra: Partial<HttpRequest> = {}): ReturnType<Handler> =>
    send({ method: 'GET', url: new URL(path, http.url), headers: { 'user-agent': 'dist-test', authorization: 'Bearer t0k' }, bulk: true, ...extra });

  beforeAll(async () => {
    http = await startHttpServer((req, res) => {
      seen.push({ url: req.url!, headers: req.headers });
      const m = /^\/blob(?:\?cut=(\d+))?$/.exec(req.url!);
      if (m) {
        const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
        const from = range ? Number(range[1]) : 0;
        res.writeHead(range ? 206 : 200, {
          'content-length': String(blob.length - from),
          'docker-content-digest': sha(blob),
          ...(range ? { 'content-range': `bytes ${from}-${blob.length - 1}/${blob.length}` } : {}),
        });
        if (m[1]) {
          res.write(blob.subarray(from, Number(m[1])));
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        res.end(blob.subarray(from));
        return;
      }
      if (req.url === '/chunked') {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        res.write(blob.subarray(0, 1000));
        res.end(blob.subarray(1000, 2000));
        return;
      }
      if (req.url === '/moved') {
        res.writeHead(307, { location: '/blob', 'content-length': '0' });
        res.end();
        return;
      }
      if (req.url === '/empty') {
        res.writeHead(200, { 'content-length': '0' });
        res.end();
        return;
      }
      if (req.url === '/stall') {
        res.writeHead(200, { 'content-length': String(blob.length) });
        res.write(blob.subarray(0, 1000)); // and never more
        return;
      }
      const body = JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] });
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.end(body);
    });
  });
  afterAll(async () => {
    await http.close();
    await dispatcher.close();
  });

  it('reads a 200 body straight off the socket, byte-exact, with the request headers and Connection: close', async () => {
    const before = viaUndici;
    const res = await get('/blob');
    expect(res.status).toBe(200);
    expect(res.headers['docker-content-digest']).toBe(sha(blob));
    expect(res.body).toBeInstanceOf(DirectBody);
    const got = await drained(res.body as DirectBody);
    expect(sha(got)).toBe(sha(blob));
    expect(viaUndici).toBe(before);
    const last = seen.at(-1)!;
    expect(last.headers.connection).toBe('close');
    expect(last.headers.authorization).toBe('Bearer t0k');
    expect(last.headers['user-agent']).toBe('dist-test');
  });

  it('is an ordinary Readable for consumers that stream it (a registry-to-registry copy)', async () => {
    const res = await get('/blob');
    const parts: Buffer[] = [];
    for await (const c of res.body as AsyncIterable<Buffer>) parts.push(c);
    expect(sha(Buffer.concat(parts))).toBe(sha(blob));
  });

  it('resumes with a Range: 206 from the offset', async () => {
    const res = await get('/blob', { headers: { range: 'bytes=1000-' } });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 1000-${blob.length - 1}/${blob.length}`);
    expect(sha(await drained(res.body as DirectBody))).toBe(sha(blob.subarray(1000)));
  });

  it('an empty body ends at once', async () => {
    const res = await get('/empty');
    expect((await drained(res.body as DirectBody)).length).toBe(0);
  });

  it('verify(): a body that does not match its digest fails the drain with DigestMismatchError', async () => {
    const wrong = sha(Buffer.from('something else'));
    const res = await get('/blob');
    const body = (res.body as DirectBody).verify({ digest: wrong, size: blob.length });
    expect(body.verifies(wrong, blob.length)).toBe(true);
    await expect(drained(body)).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it('verify(): a body longer than the descriptor says fails as soon as it is too long', async () => {
    const res = await get('/blob');
    const body = (res.body as DirectBody).verify({ digest: sha(blob), size: 100 });
    const err = await drained(body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
  });

  it('a connection that closes early fails the body as a broken connection (so a pull resumes it)', async () => {
    const res = await get('/blob?cut=70000');
    const body = res.body as DirectBody;
    let streamError: unknown;
    body.once('error', (e) => (streamError = e));
    const err = (await drained(body).catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.message).toMatch(/closed after 70000 of \d+ bytes/);
    expect(err.code).toBe('UND_ERR_SOCKET');
    await new Promise((r) => setImmediate(r));
    expect(streamError).toBe(err); // the source side of a copy learns that the source failed
  });

  it('a chunked body goes to undici (the GET is sent again there)', async () => {
    const before = viaUndici;
    const chunked = await get('/chunked');
    expect(chunked.body).not.toBeInstanceOf(DirectBody);
    const parts: Buffer[] = [];
    for await (const c of chunked.body as AsyncIterable<Buffer>) parts.push(c);
    expect(Buffer.concat(parts).equals(blob.subarray(0, 2000))).toBe(true);
    expect(viaUndici - before).toBe(1);
  });

  it('a redirect or an error answer with a Content-Length is read directly too, whole (never asked twice)', async () => {
    const before = viaUndici;
    const sent = seen.length;
    const moved = await get('/moved');
    expect(moved.status).toBe(307);
    expect(moved.headers.location).toBe('/blob');
    moved.body.resume();
    const missing = await get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).not.toBeInstanceOf(DirectBody); // already read, its connection closed
    const text = (await (async () => { const p: Buffer[] = []; for await (const c of missing.body as AsyncIterable<Buffer>) p.push(c); return Buffer.concat(p).toString(); })());
    expect(JSON.parse(text).errors[0].code).toBe('BLOB_UNKNOWN');
    expect(viaUndici - before).toBe(0);
    expect(seen.length - sent).toBe(2);
  });

  it('requests that are not plain-HTTP blob GETs never take the direct path', async () => {
    const before = viaUndici;
    const plain = await send({ method: 'GET', url: new URL('/blob', http.url), headers: {} });
    expect(plain.body).not.toBeInstanceOf(DirectBody);
    plain.body.resume();
    const head = await send({ method: 'HEAD', url: new URL('/blob', http.url), headers: {}, bulk: true });
    expect(head.body).not.toBeInstanceOf(DirectBody);
    head.body.resume();
    expect(viaUndici - before).toBe(2);
  });

  it('a header value with CR/LF is never written on the wire by hand (undici refuses it)', async () => {
    const before = seen.length;
    const err = await get('/blob', { headers: { authorization: 'Bearer x\r\nx-injected: 1' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(seen.slice(before).some((s) => s.headers['x-injected'] !== undefined)).toBe(false);
  });

  it('abort: the drain fails with the reason and the connection is closed', async () => {
    const ac = new AbortController();
    const res = await get('/stall', { signal: ac.signal });
    const draining = drained(res.body as DirectBody);
    setTimeout(() => ac.abort(new Error('stop now')), 50);
    await expect(draining).rejects.toThrow('stop now');
    expect((res.body as DirectBody).destroyed).toBe(true);
  });

  it('stallAfter: a body that stops arriving fails after the idle time', async () => {
    const res = await get('/stall');
    const body = res.body as DirectBody;
    body.stallAfter(200, () => Object.assign(new Error('no data for 0.2 s'), { code: 'UND_ERR_BODY_TIMEOUT' }));
    const t0 = Date.now();
    await expect(drained(body)).rejects.toThrow('no data for 0.2 s');
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('direct reads: odd servers', () => {
  let tcp: TcpServer;
  let port = 0;
  let answer: (s: Socket) => void = () => {};
  let undiciCalls = 0;
  const dispatcher = createDispatcher();
  const send = directGetHandler((req) => {
    undiciCalls++;
    return undiciHandler(dispatcher)(req);
  });
  const get = (): ReturnType<Handler> => send({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/b`), headers: {}, bulk: true });

  beforeAll(async () => {
    tcp = createTcpServer((s) => {
      s.once('data', () => answer(s));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    port = (tcp.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => tcp.close(() => r()));
    await dispatcher.close();
  });

  it('a head that arrives a byte at a time, with the body in the same reads, still parses', async () => {
    const body = randomBytes(3000);
    answer = (s) => {
      const all = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-A: 1\r\nX-A: 2\r\n\r\n`), body]);
      let i = 0;
      const step = (): void => {
        if (i >= all.length) return void s.end();
        s.write(all.subarray(i, i + (i < 80 ? 1 : 1000)));
        i += i < 80 ? 1 : 1000;
        setTimeout(step, 1);
      };
      step();
    };
    const before = undiciCalls;
    const res = await get();
    expect(res.headers['x-a']).toEqual(['1', '2']);
    expect((await drained(res.body as DirectBody)).equals(body)).toBe(true);
    expect(undiciCalls).toBe(before);
  });

  it('two different Content-Lengths, or a folded header line, go to undici (which refuses them)', async () => {
    for (const head of ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Folded: a\r\n b\r\n\r\nabc']) {
      answer = (s) => s.end(head);
      const before = undiciCalls;
      await get().then((r) => r.body.resume(), () => undefined);
      expect(undiciCalls).toBe(before + 1);
    }
  });

  it('a server that closes before answering: undici gets the request, and its error is what the caller sees', async () => {
    answer = (s) => s.destroy();
    const err = (await get().catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/b/);
  });

  it('a refused connection falls back too (one error, from undici)', async () => {
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const p = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = (await send({ method: 'GET', url: new URL(`http://127.0.0.1:${p}/b`), headers: {}, bulk: true }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect((err as { hint?: string }).hint).toBe(`nothing listens on 127.0.0.1:${p}: check the registry's address, and that it is running`);
  });
});
