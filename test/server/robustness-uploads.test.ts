import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { checkInvariants } from './invariants.js';
import { errorCode, pushBlob, raw } from './util.js';

const reg = shared(startRegistry);

/** Within `ms`, or the string 'timeout'. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);
}

/** A PATCH that declares `declared` bytes, sends `sent` and then stalls (the connection stays open). */
async function stalledPatch(path: string, declared: number, sent: Buffer, base = reg.url): Promise<{ req: ClientRequest; answer: Promise<IncomingMessage | Error> }> {
  const u = new URL(base);
  const req = request({ host: u.hostname, port: u.port, method: 'PATCH', path, headers: { 'Content-Length': String(declared) } });
  const answer = new Promise<IncomingMessage | Error>((resolve) => {
    req.on('response', resolve);
    req.on('error', resolve);
  });
  await new Promise<void>((resolve) => req.write(sent, () => resolve()));
  // until the server holds the bytes: then its PATCH handler is inside the append
  for (let i = 0; i < 100; i++) {
    if ((await raw(base, 'GET', path)).header('range') === `0-${sent.length - 1}`) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { req, answer };
}

describe('a PATCH to an upload whose previous PATCH stalled', () => {
  it('a retry sent right after the stall takes over once the stalled PATCH has been quiet long enough', async () => {
    // its own registry: the shared one's handler is reached through a proxy that binds functions
    const own = await startRegistry();
    own.handler.storage.uploads.takeOverAfterMs = 300;
    const loc = (await raw(own.url, 'POST', '/v2/robust/takeover/blobs/uploads/')).header('location')!;
    const first = randomBytes(10_000);
    const { req, answer } = await stalledPatch(loc, 1_000_000, first, own.url);
    try {
      // the client gives up at once and sends the rest as a chunk: no further request comes to help it
      const rest = randomBytes(1000);
      const t0 = Date.now();
      const next = await within(raw(own.url, 'PATCH', loc, { body: rest, headers: { 'Content-Range': '10000-10999', 'Content-Type': 'application/octet-stream' } }), 3000);
      expect(next === 'timeout' ? 'timeout' : next.status).toBe(202);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250); // not before the stalled one had been quiet that long
      const stalled = await within(answer, 3000);
      expect(stalled instanceof Error || stalled === 'timeout' ? String(stalled) : stalled.statusCode).toBe(400);
      const all = Buffer.concat([first, rest]);
      const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(all).digest('hex')}`;
      const put = await raw(own.url, 'PUT', `${loc}${loc.includes('?') ? '&' : '?'}digest=${digest}`);
      expect(put.status).toBe(201);
      expect((await raw(own.url, 'GET', `/v2/robust/takeover/blobs/${digest}`)).status).toBe(200);
      expect(await checkInvariants(own.dir)).toEqual([]);
    } finally {
      req.destroy();
      await own.close();
    }
  });

  it('a PATCH whose store is slow is not taken for a quiet client: idle time counts only while a read waits', async () => {
    const { AbortableBody } = await import('../../src/storage/abortable-body.js');
    let release: (() => void) | undefined;
    const source = (async function* () {
      yield new Uint8Array(1);
      await new Promise<void>((r) => (release = r));
      yield new Uint8Array(1);
    })();
    const body = new AbortableBody(source);
    await body.next();
    await new Promise((r) => setTimeout(r, 80)); // the store writes the chunk: nobody waits for the client
    expect(body.idleMs()).toBe(0);
    const pending = body.next(); // now the client owes the next byte
    await new Promise((r) => setTimeout(r, 80));
    expect(body.idleMs()).toBeGreaterThanOrEqual(70);
    release!();
    await pending;
    expect(body.idleMs()).toBe(0);
  });
});

describe('a chunk sent with chunked transfer encoding that disagrees with its Content-Range', () => {
  /** PATCH `body` as a chunked request (no Content-Length), claiming `range`; over 90 bytes, in two writes 50 ms apart. */
  function chunkedPatch(path: string, range: string, body: Buffer): Promise<IncomingMessage> {
    const u = new URL(reg.url);
    return new Promise((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, method: 'PATCH', path, headers: { 'Content-Range': range, 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res);
      });
      req.on('error', reject);
      if (body.length <= 90) return void req.end(body);
      // the server writes the first part before it can know the whole is too long
      req.write(body.subarray(0, 90));
      setTimeout(() => req.end(body.subarray(90)), 50);
    });
  }

  for (const [what, sent] of [['shorter', 10], ['longer', 150]] as const) {
    it(`${what}: 400 SIZE_INVALID and none of its bytes stay; the chunk sent again whole is taken`, async () => {
      const loc = (await raw(reg.url, 'POST', `/v2/robust/chunk-${what}/blobs/uploads/`)).header('location')!;
      const head = randomBytes(50);
      expect((await chunkedPatch(loc, '0-49', head)).statusCode).toBe(202);
      const bad = await chunkedPatch(loc, '50-149', randomBytes(sent));
      expect(bad.statusCode).toBe(400);
      expect((await raw(reg.url, 'GET', loc)).header('range')).toBe('0-49');
      const tail = randomBytes(100);
      expect((await chunkedPatch(loc, '50-149', tail)).statusCode).toBe(202);
      const all = Buffer.concat([head, tail]);
      const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(all).digest('hex')}`;
      expect((await raw(reg.url, 'PUT', `${loc}${loc.includes('?') ? '&' : '?'}digest=${digest}`)).status).toBe(201);
      expect(await checkInvariants(reg.dir)).toEqual([]);
    });
  }
});

describe('cancelling an upload while a PATCH to it stalls', () => {
  it('DELETE answers 204 at once (it waited for the stalled client), the PATCH gets 404, nothing is left', async () => {
    const loc = (await raw(reg.url, 'POST', '/v2/robust/cancel/blobs/uploads/')).header('location')!;
    const { req, answer } = await stalledPatch(loc, 1_000_000, randomBytes(10_000));
    try {
      const del = await within(raw(reg.url, 'DELETE', loc), 3000);
      expect(del === 'timeout' ? 'timeout' : del.status).toBe(204);
      // the stalled client is told its upload is gone
      const patched = await within(answer, 3000);
      expect(patched instanceof Error || patched === 'timeout' ? String(patched) : patched.statusCode).toBe(404);
      const st = await raw(reg.url, 'GET', loc);
      expect(st.status).toBe(404);
      expect(errorCode(st)).toBe('BLOB_UPLOAD_UNKNOWN');
      expect(await readdir(join(reg.dir, 'docker/registry/v2/repositories/robust/cancel/_uploads')).catch(() => [])).toEqual([]);
    } finally {
      req.destroy();
    }
    // the repository takes a new upload, and nothing half-written is visible
    await pushBlob(reg.url, 'robust/cancel', randomBytes(1000));
    expect(await checkInvariants(reg.dir)).toEqual([]);
  });

  it('DELETE of an upload id sent under another repository does not stop the PATCH', async () => {
    const loc = (await raw(reg.url, 'POST', '/v2/robust/mine/blobs/uploads/')).header('location')!;
    const data = randomBytes(20_000);
    const { req, answer } = await stalledPatch(loc, data.length, data.subarray(0, 5000));
    const other = await within(raw(reg.url, 'DELETE', loc.replace('/robust/mine/', '/robust/other/')), 3000);
    expect(other === 'timeout' ? 'timeout' : other.status).toBe(404);
    req.end(data.subarray(5000));
    const patched = await within(answer, 3000);
    expect(patched instanceof Error || patched === 'timeout' ? String(patched) : patched.statusCode).toBe(202);
    expect((await raw(reg.url, 'GET', loc)).header('range')).toBe(`0-${data.length - 1}`);
  });
});
