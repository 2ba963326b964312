import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import { UploadJournal } from '../../src/client/journal.js';
import { RemoteRepository } from '../../src/client/repository.js';
import type { Descriptor } from '../../src/oci/types.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../helpers/fault-proxy.js';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';

const CHUNK = 256 * 1024;

function blob(size: number): { desc: Descriptor; bytes: Buffer } {
  const bytes = randomBytes(size);
  return { desc: { mediaType: 'application/octet-stream', digest: digestOf(bytes), size }, bytes };
}

/** A source that delivers `upTo` bytes and then fails (the process "dies" mid-push). */
function dyingSource(bytes: Buffer, upTo: number): Readable {
  return new Readable({
    read() {
      this.push(bytes.subarray(0, upTo));
      this.destroy(new Error('killed'));
    },
  });
}

describe('blob uploads against dist serve', () => {
  const reg = shared(startRegistry);
  let state: string;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    state = tempDir('dist-state-');
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  const open = (host: string, repo: string, journal = new UploadJournal(state)): RemoteRepository =>
    new RemoteRepository(host, repo, { chunkSize: CHUNK, journal, retry: { sleep: async () => {} } });

  it('small blobs go in one PUT, large ones in PATCH chunks with Content-Range', async () => {
    proxy = await startFaultProxy(reg.host);
    const small = blob(CHUNK);
    const big = blob(3 * CHUNK + 5);
    const repo = open(proxy.host, 'up/basic');
    await repo.push(small.desc, Readable.from([small.bytes]));
    expect(proxy.log.filter((l) => l.method === 'PATCH')).toHaveLength(0);
    expect(proxy.bytesFor('PUT')).toBe(small.desc.size);
    await repo.push(big.desc, Readable.from([big.bytes]));
    expect(proxy.log.filter((l) => l.method === 'PATCH')).toHaveLength(4);
    expect(proxy.bytesFor('PATCH')).toBe(big.desc.size);
    expect((await readAll(await repo.fetch(big.desc))).equals(big.bytes)).toBe(true);
    expect(await readdir(join(state, 'uploads')).catch(() => [])).toEqual([]); // journal cleaned
  });

  it('resumes across runs: the second push sends only the bytes the registry lacks', async () => {
    proxy = await startFaultProxy(reg.host);
    const b = blob(5 * CHUNK + 123);
    const first = open(proxy.host, 'up/resume');
    await expect(first.push(b.desc, dyingSource(b.bytes, 2 * CHUNK + 1000))).rejects.toThrow();
    const sentFirst = proxy.bytesFor('PATCH');
    expect(sentFirst).toBe(2 * CHUNK); // two acknowledged chunks; the partial third was never sent
    const entry = await new UploadJournal(state).get(reg.host === proxy.host ? reg.host : proxy.host, 'up/resume', b.desc.digest);
    expect(entry?.offset).toBe(2 * CHUNK);

    const resumed: number[] = [];
    const second = open(proxy.host, 'up/resume');
    await second.push(b.desc, Readable.from([b.bytes]), { onResumed: (o) => resumed.push(o) });
    expect(resumed).toEqual([2 * CHUNK]);
    expect(proxy.bytesFor('PATCH') - sentFirst).toBe(b.desc.size - 2 * CHUNK);
    expect((await readAll(await second.fetch(b.desc))).equals(b.bytes)).toBe(true);
    expect(await new UploadJournal(state).get(proxy.host, 'up/resume', b.desc.digest)).toBeUndefined();
  });

  it('a 416 makes the client ask for the upload status and continue from there', async () => {
    let patches = 0;
    proxy = await startFaultProxy(reg.host, (req): Fault => {
      if (req.method === 'PATCH' && ++patches === 2) {
        return { kind: 'respond', status: 416, body: '{"errors":[{"code":"RANGE_INVALID","message":"invalid content range"}]}' };
      }
      return { kind: 'pass' };
    });
    const b = blob(3 * CHUNK);
    const repo = open(proxy.host, 'up/range');
    await repo.push(b.desc, Readable.from([b.bytes]));
    const methods = proxy.log.map((l) => `${l.method}${l.status === 416 ? '!' : ''}`);
    expect(methods).toContain('PATCH!');
    expect(methods.slice(methods.indexOf('PATCH!') + 1, methods.indexOf('PATCH!') + 2)).toEqual(['GET']);
    expect(proxy.bytesFor('PATCH')).toBe(b.desc.size);
    expect((await readAll(await repo.fetch(b.desc))).equals(b.bytes)).toBe(true);
  });

  it('a connection dropped mid-chunk resumes from what the registry stored; digest right', async () => {
    let patches = 0;
    proxy = await startFaultProxy(reg.host, (req): Fault => (req.method === 'PATCH' && ++patches === 2 ? { kind: 'cut', afterBytes: CHUNK / 2 } : { kind: 'pass' }));
    const b = blob(4 * CHUNK);
    const repo = open(proxy.host, 'up/drop');
    await repo.push(b.desc, Readable.from([b.bytes])); // no reopen: it must resume, not restart
    expect((await readAll(await repo.fetch(b.desc))).equals(b.bytes)).toBe(true);
    // one session only, and at most the cut part of the interrupted chunk went twice
    expect(proxy.log.filter((l) => l.method === 'POST')).toHaveLength(1);
    expect(proxy.bytesFor('PATCH')).toBeLessThanOrEqual(b.desc.size + CHUNK / 2);
    expect(proxy.log.some((l) => l.method === 'GET' && l.path.includes('/blobs/uploads/'))).toBe(true);
  });

  it('a lost upload session restarts the blob cleanly from reopen()', async () => {
    let patches = 0;
    proxy = await startFaultProxy(reg.host, (req): Fault =>
      req.method === 'PATCH' && ++patches === 2 ? { kind: 'respond', status: 404, body: '{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"gone"}]}' } : { kind: 'pass' });
    const b = blob(3 * CHUNK);
    let reopened = 0;
    const repo = open(proxy.host, 'up/lost');
    await repo.push(b.desc, Readable.from([b.bytes]), { reopen: async () => { reopened++; return Readable.from([b.bytes]); } });
    expect(reopened).toBe(1);
    expect(proxy.log.filter((l) => l.method === 'POST')).toHaveLength(2);
    expect((await readAll(await repo.fetch(b.desc))).equals(b.bytes)).toBe(true);
  });

  it('a journal entry the registry no longer knows restarts from zero', async () => {
    const b = blob(2 * CHUNK + 1);
    const journal = new UploadJournal(state);
    await journal.save({ registry: reg.host, repository: 'up/stale', digest: b.desc.digest, size: b.desc.size, location: `http://${reg.host}/v2/up/stale/blobs/uploads/00000000-0000-0000-0000-000000000000`, offset: CHUNK });
    const resumed: number[] = [];
    await open(reg.host, 'up/stale', journal).push(b.desc, Readable.from([b.bytes]), { onResumed: (o) => resumed.push(o) });
    expect(resumed).toEqual([]);
    expect(await open(reg.host, 'up/stale').exists(b.desc)).toBe(true);
  });

  it('a 429 with Retry-After on a chunk: wait, ask the status, continue in the same session', async () => {
    let patches = 0;
    proxy = await startFaultProxy(reg.host, (req): Fault =>
      req.method === 'PATCH' && ++patches === 2 ? { kind: 'respond', status: 429, headers: { 'retry-after': '0' }, body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}' } : { kind: 'pass' });
    const b = blob(3 * CHUNK);
    const repo = open(proxy.host, 'up/busy');
    await repo.push(b.desc, Readable.from([b.bytes]));
    expect(proxy.log.filter((l) => l.method === 'POST')).toHaveLength(1);
    expect(proxy.log.map((l) => `${l.method}${l.status === 429 ? '!' : ''}`)).toContain('PATCH!');
    expect(proxy.bytesFor('PATCH')).toBe(b.desc.size);
    expect((await readAll(await repo.fetch(b.desc))).equals(b.bytes)).toBe(true);
  });

  it('honours OCI-Chunk-Min-Length from the registry', async () => {
    proxy = await startFaultProxy(reg.host, (req): Fault => (req.method === 'POST' ? { kind: 'pass', responseHeaders: { 'oci-chunk-min-length': String(2 * CHUNK) } } : { kind: 'pass' }));
    const b = blob(5 * CHUNK);
    await open(proxy.host, 'up/min').push(b.desc, Readable.from([b.bytes]));
    expect(proxy.log.filter((l) => l.method === 'PATCH').map((l) => l.bytes)).toEqual([2 * CHUNK, 2 * CHUNK, CHUNK]);
  });

  it('a source of the wrong size fails and the registry rejects nothing silently', async () => {
    const b = blob(1000);
    const repo = open(reg.host, 'up/size');
    await expect(repo.push(b.desc, Readable.from([b.bytes.subarray(0, 999)]))).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    expect(await repo.exists(b.desc)).toBe(false);
  });
});
