import { createHash, randomBytes } from 'node:crypto';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startRegistry } from '../helpers/registry.js';
import { raw, sha } from './util.js';

const MiB = 1024 * 1024;
const sha512 = (b: Uint8Array): string => `sha512:${createHash('sha512').update(b).digest('hex')}`;
const q = (loc: string): string => (loc.includes('?') ? '&' : '?');

function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);
}

/** A PATCH with chunked transfer encoding: `parts` written one after another, `gapMs` apart. */
function chunked(base: string, path: string, parts: Buffer[], headers: Record<string, string> = {}, gapMs = 20): Promise<IncomingMessage> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: 'PATCH', path, headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked', ...headers } }, (res) => {
      res.resume();
      resolve(res);
    });
    req.on('error', reject);
    let i = 0;
    const next = (): void => {
      if (i === parts.length - 1) return void req.end(parts[i]);
      req.write(parts[i++]!, () => setTimeout(next, gapMs));
    };
    next();
  });
}

/** A PATCH that declares `declared` bytes, sends `sent` and stalls until the server holds them. */
async function stalledPatch(base: string, path: string, declared: number, sent: Buffer): Promise<{ req: ClientRequest; answer: Promise<IncomingMessage | Error> }> {
  const u = new URL(base);
  const req = request({ host: u.hostname, port: u.port, method: 'PATCH', path, headers: { 'Content-Length': String(declared) } });
  const answer = new Promise<IncomingMessage | Error>((resolve) => {
    req.on('response', (r) => {
      r.resume();
      resolve(r);
    });
    req.on('error', resolve);
  });
  await new Promise<void>((resolve) => req.write(sent, () => resolve()));
  for (let i = 0; i < 300; i++) {
    if ((await raw(base, 'GET', path)).header('range') === `0-${sent.length - 1}`) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { req, answer };
}

/** The sha256 of the blob's bytes as served (or the status when not 200). */
async function blobBody(base: string, name: string, digest: string): Promise<string | number> {
  const r = await raw(base, 'GET', `/v2/${name}/blobs/${digest}`);
  return r.status === 200 ? sha(r.body) : r.status;
}

describe('upload hashing (filesystem driver, hashing worker)', () => {
  it('several Content-Range PATCHes then a PUT with a final body: accepted, stored bytes match', async () => {
    const reg = await startRegistry();
    const data = randomBytes(11 * MiB + 123);
    const loc = (await raw(reg.url, 'POST', '/v2/r/a/blobs/uploads/')).header('location')!;
    const cuts = [0, 5 * MiB, 9 * MiB, 10 * MiB, data.length];
    for (let i = 0; i < cuts.length - 2; i++) {
      const part = data.subarray(cuts[i], cuts[i + 1]);
      const r = await raw(reg.url, 'PATCH', loc, { body: part, headers: { 'Content-Range': `${cuts[i]}-${cuts[i + 1]! - 1}` } });
      expect(r.status).toBe(202);
    }
    const last = data.subarray(cuts[3]);
    const put = await raw(reg.url, 'PUT', `${loc}${q(loc)}digest=${sha(data)}`, { body: last, headers: { 'Content-Range': `${cuts[3]}-${data.length - 1}` } });
    expect(put.status).toBe(201);
    expect(await blobBody(reg.url, 'r/a', sha(data))).toBe(sha(data));
    await reg.close();
  });

  it('a refused (too long) chunk after 5 MiB hashed by the worker is rolled back; resent, the digest holds, a wrong one is refused', async () => {
    const reg = await startRegistry();
    const head = randomBytes(5 * MiB);
    const loc = (await raw(reg.url, 'POST', '/v2/r/b/blobs/uploads/')).header('location')!;
    expect((await raw(reg.url, 'PATCH', loc, { body: head })).status).toBe(202);
    const bogus = [randomBytes(3 * MiB), randomBytes(3 * MiB)];
    const bad = await chunked(reg.url, loc, bogus, { 'Content-Range': `${head.length}-${head.length + 5 * MiB - 1}` });
    expect(bad.statusCode).toBe(400);
    const tail = randomBytes(5 * MiB);
    expect((await raw(reg.url, 'PATCH', loc, { body: tail, headers: { 'Content-Range': `${head.length}-${head.length + tail.length - 1}` } })).status).toBe(202);
    const all = Buffer.concat([head, tail]);
    const wrong = Buffer.concat([head, bogus[0]!, bogus[1]!.subarray(0, 2 * MiB)]);
    expect((await raw(reg.url, 'PUT', `${loc}${q(loc)}digest=${sha(wrong)}`)).status).toBe(400);
    expect((await raw(reg.url, 'PUT', `${loc}${q(loc)}digest=${sha(all)}`)).status).toBe(201);
    expect(await blobBody(reg.url, 'r/b', sha(all))).toBe(sha(all));
    await reg.close();
  });

  it('a refused first chunk rolled back to 0, then a new chunk: the new hash starts from byte 0', async () => {
    const reg = await startRegistry();
    const loc = (await raw(reg.url, 'POST', '/v2/r/c/blobs/uploads/')).header('location')!;
    const bad = await chunked(reg.url, loc, [randomBytes(5 * MiB), randomBytes(MiB)], { 'Content-Range': `0-${5 * MiB - 1}` });
    expect(bad.statusCode).toBe(400);
    const data = randomBytes(6 * MiB);
    expect((await raw(reg.url, 'PATCH', loc, { body: data })).status).toBe(202);
    expect((await raw(reg.url, 'PUT', `${loc}${q(loc)}digest=${sha(data)}`)).status).toBe(201);
    await reg.close();
  });

  it('a stalled PATCH taken over by a newer one: the digest covers the stalled bytes plus the new ones', async () => {
    const reg = await startRegistry();
    reg.handler.storage.uploads.takeOverAfterMs = 200;
    const loc = (await raw(reg.url, 'POST', '/v2/r/d/blobs/uploads/')).header('location')!;
    const first = randomBytes(5 * MiB);
    const { req, answer } = await stalledPatch(reg.url, loc, 10 * MiB, first);
    try {
      const rest = randomBytes(4 * MiB + 7);
      const next = await within(raw(reg.url, 'PATCH', loc, { body: rest, headers: { 'Content-Range': `${first.length}-${first.length + rest.length - 1}` } }), 5000);
      expect(next === 'timeout' ? next : next.status).toBe(202);
      await within(answer, 3000);
      const all = Buffer.concat([first, rest]);
      expect((await raw(reg.url, 'PUT', `${loc}${q(loc)}digest=${sha(all)}`)).status).toBe(201);
      expect(await blobBody(reg.url, 'r/d', sha(all))).toBe(sha(all));
    } finally {
      req.destroy();
      await reg.close();
    }
  });

  it('concurrent streamed PATCHes on one upload: the accepted digest is that of the stored bytes', async () => {
    const reg = await startRegistry();
    const loc = (await raw(reg.url, 'POST', '/v2/r/e/blobs/uploads/')).header('location')!;
    const a = randomBytes(5 * MiB);
    const b = randomBytes(5 * MiB);
    const [ra, rb] = await Promise.all([chunked(reg.url, loc, [a.subarray(0, MiB), a.subarray(MiB)]), chunked(reg.url, loc, [b.subarray(0, MiB), b.subarray(MiB)])]);
    expect([ra.statusCode, rb.statusCode]).toEqual([202, 202]);
    const ab = Buffer.concat([a, b]);
    const ba = Buffer.concat([b, a]);
    const put1 = await raw(reg.url, 'PUT', `${loc}${q(loc)}digest=${sha(ab)}`);
    const stored = put1.status === 201 ? ab : ba;
    if (put1.status !== 201) expect((await raw(reg.url, 'PUT', `${loc}${q(loc)}digest=${sha(ba)}`)).status).toBe(201);
    expect(await blobBody(reg.url, 'r/e', sha(stored))).toBe(sha(stored));
    await reg.close();
  });

  it('sha512 digests: chunked upload and single PUT accepted, wrong refused', async () => {
    const reg = await startRegistry();
    const data = randomBytes(6 * MiB);
    const loc = (await raw(reg.url, 'POST', '/v2/r/f/blobs/uploads/')).header('location')!;
    expect((await raw(reg.url, 'PATCH', loc, { body: data.subarray(0, 5 * MiB) })).status).toBe(202);
    expect((await raw(reg.url, 'PUT', `${loc}${q(loc)}digest=${sha512(data)}`)).status).toBe(400);
    expect((await raw(reg.url, 'PUT', `${loc}${q(loc)}digest=${sha512(data)}`, { body: data.subarray(5 * MiB) })).status).toBe(201);
    expect(await blobBody(reg.url, 'r/f', sha512(data))).toBe(sha(data));
    await reg.close();
  });

  it('zero-length blobs: POST+PUT, single POST, and after a restart', async () => {
    const reg = await startRegistry();
    const empty = Buffer.alloc(0);
    const loc = (await raw(reg.url, 'POST', '/v2/r/g/blobs/uploads/')).header('location')!;
    expect((await raw(reg.url, 'PUT', `${loc}${q(loc)}digest=${sha(empty)}`)).status).toBe(201);
    expect((await raw(reg.url, 'POST', `/v2/r/g2/blobs/uploads/?digest=${sha(empty)}`, { body: empty })).status).toBe(201);
    const loc3 = (await raw(reg.url, 'POST', '/v2/r/g3/blobs/uploads/')).header('location')!;
    const dir = reg.dir;
    const reg2 = await startRegistry({ dir });
    expect((await raw(reg2.url, 'PUT', `${loc3}${q(loc3)}digest=${sha512(empty)}`)).status).toBe(201);
    await reg2.close();
    await reg.close();
  });

  it('a restarted server re-hashes a resumed upload (PATCH then PUT with a final body)', async () => {
    const reg = await startRegistry();
    const data = randomBytes(9 * MiB);
    const loc = (await raw(reg.url, 'POST', '/v2/r/h/blobs/uploads/')).header('location')!;
    expect((await raw(reg.url, 'PATCH', loc, { body: data.subarray(0, 5 * MiB) })).status).toBe(202);
    const reg2 = await startRegistry({ dir: reg.dir });
    expect((await raw(reg2.url, 'PATCH', loc, { body: data.subarray(5 * MiB, 7 * MiB) })).status).toBe(202);
    expect((await raw(reg2.url, 'PUT', `${loc}${q(loc)}digest=${sha(data.subarray(0, 7 * MiB))}`, { body: data.subarray(7 * MiB) })).status).toBe(400);
    expect((await raw(reg2.url, 'PUT', `${loc}${q(loc)}digest=${sha(data)}`)).status).toBe(201);
    await reg2.close();
    await reg.close();
  });

  it('DELETE mid-PATCH, then a new upload of other bytes: hashed from its own file', async () => {
    const reg = await startRegistry();
    const loc = (await raw(reg.url, 'POST', '/v2/r/i/blobs/uploads/')).header('location')!;
    const { req, answer } = await stalledPatch(reg.url, loc, 10 * MiB, randomBytes(5 * MiB));
    try {
      expect((await raw(reg.url, 'DELETE', loc)).status).toBe(204);
      await within(answer, 3000);
      const data = randomBytes(5 * MiB);
      const loc2 = (await raw(reg.url, 'POST', '/v2/r/i/blobs/uploads/')).header('location')!;
      expect((await raw(reg.url, 'PATCH', loc2, { body: data })).status).toBe(202);
      expect((await raw(reg.url, 'PUT', `${loc2}${q(loc2)}digest=${sha(data)}`)).status).toBe(201);
    } finally {
      req.destroy();
      await reg.close();
    }
  });
});

describe('upload hashing: lifetime', () => {
  it('abandoned or purged uploads do not keep their hash: idle ones are dropped, and a client that comes back is still verified', async () => {
    const { purgeUploads } = await import('../../src/storage/gc/uploads.js');
    const { FilesystemDriver } = await import('../../src/storage/driver/filesystem.js');
    const reg = await startRegistry();
    const uploads = reg.handler.storage.uploads as unknown as { hashers: Map<string, unknown>; hashIdleMs: number };
    const purged = (await raw(reg.url, 'POST', '/v2/r/leak/blobs/uploads/')).header('location')!;
    expect((await raw(reg.url, 'PATCH', purged, { body: randomBytes(MiB) })).status).toBe(202);
    const r = await purgeUploads(new FilesystemDriver(reg.dir), { ageMs: 0, now: Date.now() + 60_000 });
    expect(r.purged.length).toBe(1);
    expect((await raw(reg.url, 'GET', purged)).status).toBe(404);
    const data = randomBytes(MiB);
    const idle = (await raw(reg.url, 'POST', '/v2/r/leak/blobs/uploads/')).header('location')!;
    expect((await raw(reg.url, 'PATCH', idle, { body: data })).status).toBe(202);
    expect(uploads.hashers.size).toBe(2); // the purged one's, and this one's
    uploads.hashIdleMs = 0;
    await new Promise((res) => setTimeout(res, 5));
    const fresh = (await raw(reg.url, 'POST', '/v2/r/leak/blobs/uploads/')).header('location')!; // sweeps
    expect(uploads.hashers.size).toBe(1); // only the new session's
    expect((await raw(reg.url, 'PUT', `${idle}${q(idle)}digest=${sha(Buffer.from('other'))}`)).status).toBe(400);
    expect((await raw(reg.url, 'PUT', `${idle}${q(idle)}digest=${sha(data)}`)).status).toBe(201); // hashed whole
    expect((await raw(reg.url, 'DELETE', fresh)).status).toBe(204);
    await reg.close();
  });

  it('dist serve exits on SIGTERM with an abandoned upload, a finished one and a re-hashed one', async () => {
    const { spawnServe, stopServe } = await import('./spawn.js');
    const { tempDir } = await import('../helpers/temp.js');
    const dir = tempDir('dist-uhr-');
    const a = await spawnServe([dir, '--addr', '127.0.0.1:0', '--log-level', 'error']);
    const data = randomBytes(5 * MiB);
    const abandoned = (await raw(a.url, 'POST', '/v2/r/s/blobs/uploads/')).header('location')!;
    expect((await raw(a.url, 'PATCH', abandoned, { body: data })).status).toBe(202);
    const resumed = (await raw(a.url, 'POST', '/v2/r/s/blobs/uploads/')).header('location')!;
    expect((await raw(a.url, 'PATCH', resumed, { body: data })).status).toBe(202);
    const done = (await raw(a.url, 'POST', '/v2/r/s/blobs/uploads/')).header('location')!;
    expect((await raw(a.url, 'PUT', `${done}${q(done)}digest=${sha(data)}`, { body: data })).status).toBe(201);
    a.proc.kill('SIGTERM');
    const ca = await within(a.exited, 8000);
    await stopServe(a);
    expect(ca).toBe(0);
    const b = await spawnServe([dir, '--addr', '127.0.0.1:0', '--log-level', 'error']);
    expect((await raw(b.url, 'PUT', `${resumed}${q(resumed)}digest=${sha(data)}`)).status).toBe(201);
    b.proc.kill('SIGTERM');
    const cb = await within(b.exited, 8000);
    await stopServe(b);
    expect(cb).toBe(0);
  }, 60_000);
});
