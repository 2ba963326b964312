import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdirSync, readlinkSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadJournal } from '../../src/client/journal.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import type { Digest } from '../../src/digest/digest.js';
import { TransportError } from '../../src/errors/errors.js';
import type { Descriptor } from '../../src/oci/types.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;

/**
 * How the proxy answers a PATCH (everything else is forwarded as is):
 * - close-delimited: the upstream's answer without Content-Length, body ended by closing (RFC 9112 6.3, rule 8)
 * - Chunked: the upstream's answer with `Transfer-Encoding: Chunked` (coding names are case-insensitive, RFC 9112 7)
 * - refuse-large: an early 413 whose HTML page is 256 KiB (a proxy's error page), without reading the body
 */
type Mode = 'close-delimited' | 'Chunked' | 'refuse-large' | 'stall';

interface Proxy {
  host: string;
  patches: number;
  close(): Promise<void>;
}

async function startProxy(upstream: string, mode: Mode): Promise<Proxy> {
  const state = { patches: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const isPatch = req.method === 'PATCH';
    if (isPatch) state.patches++;
    if (isPatch && mode === 'stall') {
      req.pause(); // never reads the body, never answers
      return;
    }
    if (isPatch && mode === 'refuse-large') {
      req.resume();
      res.writeHead(413, { 'content-type': 'text/html' }).end(`<html><body>${'x'.repeat(256 * 1024)}</body></html>`);
      return;
    }
    const up = httpRequest(`http://${upstream}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
      if (!isPatch) {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
        return;
      }
      const parts: Buffer[] = [];
      ur.on('data', (c: Buffer) => parts.push(c));
      ur.on('end', () => {
        const body = Buffer.concat(parts);
        const lines = [`HTTP/1.1 ${ur.statusCode} X`];
        for (const [k, v] of Object.entries(ur.headers)) {
          if (['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) continue;
          for (const one of Array.isArray(v) ? v : [v ?? '']) lines.push(`${k}: ${one}`);
        }
        const sock = res.socket!;
        if (mode === 'close-delimited') {
          lines.push('connection: close');
          sock.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]));
        } else {
          lines.push('Transfer-Encoding: Chunked');
          const chunked = body.length ? `${body.length.toString(16)}\r\n${body.toString('latin1')}\r\n0\r\n\r\n` : '0\r\n\r\n';
          sock.end(`${lines.join('\r\n')}\r\n\r\n${chunked}`);
        }
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    get patches() { return state.patches; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Open fds of this process that point at `path`. */
const fdsOn = (path: string): number => readdirSync('/proc/self/fd').filter((fd) => {
  try { return readlinkSync(`/proc/self/fd/${fd}`) === path; } catch { return false; }
}).length;

describe('direct upload: answers an HTTP/1.1 client must understand', () => {
  let registry: TestRegistry;
  let layout: OciLayout;
  let desc: Descriptor;
  let bytes: Buffer;

  beforeAll(async () => {
    registry = await startRegistry();
    layout = await OciLayout.open(tempDir());
    bytes = randomBytes(17 * 1024 * 1024 + 5); // above the one-PUT limit: one streamed PATCH
    desc = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(bytes), size: bytes.length };
    await layout.push(desc, Readable.from([bytes]));
  });
  afterAll(async () => {
    await registry.close();
  });

  const repo = (host: string, name: string, extra: { directReads?: boolean } = {}): RemoteRepository =>
    new RemoteRepository(host, name, { retry: { maxAttempts: 1 }, journal: new UploadJournal(tempDir()), ...extra });
  const served = async (name: string): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const c of (await new RemoteRepository(registry.host, name).fetch(desc)) as AsyncIterable<Buffer>) parts.push(c);
    return Buffer.concat(parts);
  };

  /** Push through the proxy as `dist copy` does (with `reopen`); how often the source had to be re-read. */
  async function pushThrough(mode: Mode, name: string, extra: { directReads?: boolean } = {}): Promise<{ err: unknown; patches: number; reopened: number }> {
    const proxy = await startProxy(registry.host, mode);
    let reopened = 0;
    const reopen = (): Promise<Readable> => { reopened++; return layout.fetch(desc, { verify: false }); };
    try {
      const err = await repo(proxy.host, name, extra).push(desc, await layout.fetch(desc, { verify: false }), { reopen }).then(() => undefined, (e: unknown) => e);
      return { err, patches: proxy.patches, reopened };
    } finally {
      await proxy.close();
    }
  }

  it('a PATCH answer whose end is the connection closing (no Content-Length) is accepted, as undici does', async () => {
    const { err, patches, reopened } = await pushThrough('close-delimited', 'answers/close');
    expect(err, String(err)).toBeUndefined();
    expect(patches).toBe(1);
    expect(reopened, 'the whole source was read again after a good answer').toBe(0);
    expect(sha(await served('answers/close'))).toBe(desc.digest);
  });

  it('a PATCH answer with "Transfer-Encoding: Chunked" (any case) is decoded', async () => {
    const { err, patches, reopened } = await pushThrough('Chunked', 'answers/chunked-case');
    expect(err, String(err)).toBeUndefined();
    expect(patches).toBe(1);
    expect(reopened, 'the whole source was read again after a good answer').toBe(0);
  });

  it('an early refusal with a large (256 KiB) error page is the registry\'s refusal, not a network error that re-sends the blob', async () => {
    const proxy = await startProxy(registry.host, 'refuse-large');
    try {
      const r = repo(proxy.host, 'answers/large-refusal');
      const err = await r.push(desc, await layout.fetch(desc, { verify: false }), { reopen: () => layout.fetch(desc, { verify: false }) }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err, String(err)).not.toBeInstanceOf(TransportError); // undici's path: a RegistryError for the 413
      expect(proxy.patches).toBe(1); // a permanent refusal is not retried five times
    } finally {
      await proxy.close();
    }
  });

  it('a progress callback that throws fails the push (as through undici), not an uncaught exception and a hung upload', async () => {
    let n = 0;
    const onProgress = (): void => { if (++n === 3) throw new Error('progress sink broke'); };
    const outcome = await Promise.race([
      repo(registry.host, 'answers/progress-throws').push(desc, await layout.fetch(desc, { verify: false }), { onProgress })
        .then(() => 'resolved', (e: unknown) => (e as Error).message),
      new Promise<string>((r) => setTimeout(() => r('still pending after 5 s'), 5000)),
    ]);
    expect(outcome).toMatch(/progress sink broke/);
  });

  // controls: the same answers through undici (directReads false) are fine
  for (const mode of ['close-delimited', 'Chunked'] as const) {
    it(`(control, passes) ${mode} through undici`, async () => {
      const { err, patches, reopened } = await pushThrough(mode, `answers/control-${mode.toLowerCase()}`, { directReads: false });
      expect(err, String(err)).toBeUndefined();
      expect(patches).toBe(1);
      expect(reopened).toBe(0);
    });
  }

  it('(control, passes) a throwing progress callback through undici', async () => {
    let n = 0;
    const onProgress = (): void => { if (++n === 3) throw new Error('progress sink broke'); };
    const outcome = await repo(registry.host, 'answers/control-progress', { directReads: false }).push(desc, await layout.fetch(desc, { verify: false }), { onProgress })
      .then(() => 'resolved', (e: unknown) => (e as Error).message);
    expect(outcome).toMatch(/progress sink broke/);
  });

  it('(control, passes) the large early refusal through undici', async () => {
    const proxy = await startProxy(registry.host, 'refuse-large');
    try {
      const err = await repo(proxy.host, 'answers/control-large', { directReads: false })
        .push(desc, await layout.fetch(desc, { verify: false }), { reopen: () => layout.fetch(desc, { verify: false }) }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err, String(err)).not.toBeInstanceOf(TransportError);
      expect(proxy.patches).toBe(1);
    } finally {
      await proxy.close();
    }
  });
});
