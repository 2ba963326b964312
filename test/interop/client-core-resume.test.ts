import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import { UploadJournal } from '../../src/client/journal.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { startDistribution, type RunningDistribution } from '../helpers/distribution.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../helpers/fault-proxy.js';
import { note, ROOT } from './client-core-util.js';
import { tempDir } from '../helpers/temp.js';

const CHUNK = 256 * 1024;

/** The pushing process: the built library, a slow source so it can be killed between chunks. */
const CHILD = `
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { RemoteRepository } from ${JSON.stringify(join(ROOT, 'build/client/repository.js'))};
import { UploadJournal } from ${JSON.stringify(join(ROOT, 'build/client/journal.js'))};
const [host, name, file, digest, size, chunk, state] = process.argv.slice(2);
const slow = new Transform({ transform(c, _e, cb) { setTimeout(() => cb(null, c), 15); } });
const repo = new RemoteRepository(host, name, { chunkSize: Number(chunk), journal: new UploadJournal(state) });
await repo.push({ mediaType: 'application/octet-stream', digest, size: Number(size) }, createReadStream(file, { highWaterMark: 32 * 1024 }).pipe(slow));
`;

describe('resumable uploads against docker-registry 2.8', () => {
  let reg: RunningDistribution;
  let work: string;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    reg = await startDistribution();
    work = tempDir('dist-cc-resume-');
  });
  afterAll(async () => {
    await proxy?.close();
    await reg?.stop();
  });

  it('SIGKILL after some acknowledged chunks; the rerun sends only the remaining bytes', async () => {
    proxy = await startFaultProxy(reg.host);
    const bytes = randomBytes(8 * CHUNK + 999);
    const digest = digestOf(bytes);
    const file = join(work, 'blob.bin');
    await writeFile(file, bytes);
    await writeFile(join(work, 'child.mjs'), CHILD);
    const state = join(work, 'state');
    const journal = new UploadJournal(state);
    const child = spawn(process.execPath, [join(work, 'child.mjs'), proxy.host, 'res/app', file, digest, String(bytes.length), String(CHUNK), state], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code, sig) => r(sig ? -1 : code)));
    let killedAt = 0;
    for (let i = 0; i < 400; i++) {
      const e = await journal.get(proxy.host, 'res/app', digest);
      if (e && e.offset >= 3 * CHUNK) {
        child.kill('SIGKILL');
        killedAt = e.offset;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await exited, stderr).toBe(-1);
    expect(killedAt).toBeGreaterThanOrEqual(3 * CHUNK);
    const firstRun = proxy.bytesFor('PATCH');
    note('first run killed; registry had received', `${firstRun} bytes (journal offset ${killedAt})`);

    const resumed: number[] = [];
    const repo = new RemoteRepository(proxy.host, 'res/app', { chunkSize: CHUNK, journal });
    await repo.push({ mediaType: 'application/octet-stream', digest, size: bytes.length }, Readable.from([bytes]), { onResumed: (o) => resumed.push(o), reopen: async () => Readable.from([bytes]) });
    const secondRun = proxy.bytesFor('PATCH') - firstRun;
    note('second run', `resumed at ${resumed.join(',')}; sent ${secondRun} of ${bytes.length} bytes`);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).toBeGreaterThanOrEqual(killedAt);
    expect(secondRun).toBe(bytes.length - resumed[0]!);
    expect(proxy.log.filter((l) => l.method === 'POST')).toHaveLength(1); // the same session throughout
    expect(digestOf(await readAll(await repo.fetch({ mediaType: 'application/octet-stream', digest, size: bytes.length })))).toBe(digest);
    expect(await journal.get(proxy.host, 'res/app', digest)).toBeUndefined();
  });

  it('a connection dropped mid-chunk: 2.8 cannot resume that session, so the blob restarts cleanly', async () => {
    await proxy?.close();
    let patches = 0;
    proxy = await startFaultProxy(reg.host, (req): Fault => (req.method === 'PATCH' && ++patches === 3 ? { kind: 'cut', afterBytes: CHUNK / 2 } : { kind: 'pass' }));
    const bytes = randomBytes(5 * CHUNK);
    const digest = digestOf(bytes);
    let reopened = 0;
    const repo = new RemoteRepository(proxy.host, 'res/drop', { chunkSize: CHUNK, journal: new UploadJournal(join(work, 'state2')) });
    await repo.push({ mediaType: 'application/octet-stream', digest, size: bytes.length }, Readable.from([bytes]), { reopen: async () => { reopened++; return Readable.from([bytes]); } });
    const posts = proxy.log.filter((l) => l.method === 'POST').length;
    note('dropped mid-chunk', `sessions=${posts} reopened=${reopened} PATCH bytes=${proxy.bytesFor('PATCH')} for ${bytes.length}`);
    expect(digestOf(await readAll(await repo.fetch({ mediaType: 'application/octet-stream', digest, size: bytes.length })))).toBe(digest);
    // 2.8 refuses the old _state once the upload file grew past it: one clean restart
    expect(posts).toBe(2);
    expect(reopened).toBe(1);
  });

  it('a streamed PATCH (no --chunk-size) dropped mid-way: 2.8 refuses that session, the blob restarts in the same run', async () => {
    await proxy?.close();
    let patches = 0;
    const ranges: Array<string | undefined> = [];
    proxy = await startFaultProxy(reg.host, (req): Fault => {
      if (req.method !== 'PATCH') return { kind: 'pass' };
      ranges.push(req.headers['content-range'] as string | undefined);
      return ++patches === 1 ? { kind: 'cut', afterBytes: 6 * 1024 * 1024 } : { kind: 'pass' };
    });
    const bytes = randomBytes(20 * 1024 * 1024 + 17);
    const digest = digestOf(bytes);
    let reopened = 0;
    const repo = new RemoteRepository(proxy.host, 'res/stream', { journal: new UploadJournal(join(work, 'state3')) });
    await repo.push({ mediaType: 'application/octet-stream', digest, size: bytes.length }, Readable.from([bytes]), { reopen: async () => { reopened++; return Readable.from([bytes]); } });
    const posts = proxy.log.filter((l) => l.method === 'POST').length;
    note('streamed PATCH dropped', `PATCHes=${patches} content-ranges=${JSON.stringify(ranges)} sessions=${posts} reopened=${reopened} PATCH bytes=${proxy.bytesFor('PATCH')} for ${bytes.length}`);
    expect(ranges[0]).toBeUndefined();
    expect(reopened).toBe(1);
    // 2.8 answers the status of the broken session with 404: a second session, from byte 0
    expect(posts).toBe(2);
    expect(ranges).toEqual([undefined, undefined]);
    expect(proxy.bytesFor('PATCH')).toBeLessThanOrEqual(bytes.length + 6 * 1024 * 1024);
    expect(digestOf(await readAll(await repo.fetch({ mediaType: 'application/octet-stream', digest, size: bytes.length })))).toBe(digest);
  });
});
