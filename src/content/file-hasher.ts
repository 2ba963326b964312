import { createReadStream } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Algorithm, Digest } from '../digest/digest.js';
import { Digester } from '../digest/digester.js';

/**
 * The digest of a file being written, computed by a worker thread that reads the file back from
 * the page cache behind the writer, so the thread receiving and writing the bytes does not hash
 * them too (SHA-256 was ~45 % of a pull's CPU on its one thread). Reading into one reused buffer
 * keeps the bytes hot in the hashing core's cache: a first attempt that transferred each received
 * chunk to a worker was slower than hashing in place (bench/README.md).
 *
 * The hash is of what the file holds, which is what a layout then serves. Without worker threads
 * (or if the worker fails) the file is hashed on the calling thread instead.
 */
export interface FileHash {
  /** The file now holds `bytes` (counted from its start): the worker may hash up to there. */
  wrote(bytes: number): void;
  /** Digest of the first `bytes` bytes, once everything was written. */
  digest(bytes: number): Promise<Digest>;
  /** Stop (the file is being thrown away or kept for a later resume). */
  cancel(): void;
}

/** How far the writer gets ahead before the worker is told (one message per this many bytes). */
const ADVANCE_BYTES = 4 * 1024 * 1024;

// Plain CommonJS, run with `eval`: the same code under vitest (TypeScript sources) and from build/.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const jobs = new Map();
const buf = Buffer.allocUnsafe(1 << 20);
// The file is opened for each batch, not held: a job whose file is deleted (an abandoned upload
// the registry purged) holds no descriptor, so its disk space is freed.
parentPort.on('message', (m) => {
  const j = jobs.get(m.id);
  let fd;
  try {
    if (m.op === 'start') { jobs.set(m.id, { path: m.path, h: createHash(m.alg), done: 0 }); return; }
    if (!j) { if (m.op === 'finish') parentPort.postMessage({ id: m.id, error: 'no such job' }); return; }
    if (m.op === 'cancel') { jobs.delete(m.id); return; }
    if (j.done < m.upTo) fd = openSync(j.path, 'r');
    while (j.done < m.upTo) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, m.upTo - j.done), j.done);
      if (n === 0) throw new Error('the file holds ' + j.done + ' bytes, ' + m.upTo + ' were written');
      j.h.update(buf.subarray(0, n));
      j.done += n;
    }
    if (m.op === 'finish') { jobs.delete(m.id); parentPort.postMessage({ id: m.id, hex: j.h.digest('hex') }); }
  } catch (e) {
    jobs.delete(m.id);
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

type Reply = { id: number; hex?: string; error?: string };

class HashWorker {
  private worker?: Worker;
  private broken = false;
  private nextId = 1;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private open = 0;
  /** Jobs that keep the process alive (a CLI's), by id. */
  private readonly alive = new Set<number>();

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** A started job's id, or undefined when no worker can run. `keepAlive`: the process waits for the job. */
  start(path: string, alg: Algorithm, keepAlive: boolean): number | undefined {
    const w = this.ensure();
    if (!w) return undefined;
    const id = this.nextId++;
    if (keepAlive) {
      this.alive.add(id);
      this.jobStarted();
    }
    w.postMessage({ op: 'start', id, path, alg });
    return id;
  }

  advance(id: number, upTo: number): void {
    this.worker?.postMessage({ op: 'advance', id, upTo });
  }

  finish(id: number, upTo: number): Promise<Reply> {
    const w = this.worker;
    if (!w) return Promise.resolve({ id, error: 'the hashing worker stopped' });
    return new Promise<Reply>((resolve) => {
      this.waiting.set(id, (r) => {
        if (this.alive.delete(id)) this.jobEnded();
        resolve(r);
      });
      w.postMessage({ op: 'finish', id, upTo });
    });
  }

  cancel(id: number): void {
    if (!this.worker) return;
    this.worker.postMessage({ op: 'cancel', id });
    if (!this.waiting.has(id) && this.alive.delete(id)) this.jobEnded();
  }

  // The worker keeps the process alive only while a job is open (a CLI exits when its work is done).
  private jobStarted(): void {
    if (this.open++ === 0) this.worker?.ref();
  }
  private jobEnded(): void {
    if (--this.open === 0) this.worker?.unref();
  }

  private ensure(): Worker | undefined {
    if (this.worker || this.broken) return this.worker;
    try {
      const w = new Worker(WORKER_SOURCE, { eval: true, stdout: false, stderr: false });
      w.on('message', (r: Reply) => {
        const done = this.waiting.get(r.id);
        this.waiting.delete(r.id);
        done?.(r);
      });
      const fail = (why: string): void => {
        this.broken = true;
        this.worker = undefined;
        for (const [id, done] of this.waiting) done({ id, error: why });
        this.waiting.clear();
      };
      w.on('error', (e) => fail(`the hashing worker failed: ${e.message}`));
      w.on('exit', () => fail('the hashing worker stopped'));
      w.unref(); // after the listeners: adding a 'message' listener refs the worker again
      this.worker = w;
    } catch {
      this.broken = true;
    }
    return this.worker;
  }
}

const shared = new HashWorker();

/** Whether the hashing worker runs (false before the first job, or when worker threads failed). */
export function hashWorkerRunning(): boolean {
  return shared.running;
}

/**
 * Hash the file at `path` (being written from byte 0) on the hashing worker, or here when none runs.
 * `keepAlive: false` (a server's uploads, which may be abandoned): the job does not keep the
 * process alive.
 */
export function hashFileBehindWriter(path: string, alg: Algorithm, opts: { keepAlive?: boolean } = {}): FileHash {
  const id = shared.start(path, alg, opts.keepAlive ?? true);
  if (id === undefined) return inline(path, alg);
  let told = 0;
  let done = false;
  return {
    wrote(bytes) {
      if (bytes - told < ADVANCE_BYTES) return;
      told = bytes;
      shared.advance(id, bytes);
    },
    async digest(bytes) {
      done = true;
      const r = await shared.finish(id, bytes);
      if (r.hex) return `${alg}:${r.hex}` as Digest;
      return hashFile(path, alg, bytes); // the worker could not: do it here
    },
    cancel() {
      if (done) return;
      done = true;
      shared.cancel(id);
    },
  };
}

/** The fallback: the whole file hashed on this thread once it is written. */
function inline(path: string, alg: Algorithm): FileHash {
  return { wrote() {}, digest: (bytes) => hashFile(path, alg, bytes), cancel() {} };
}

async function hashFile(path: string, alg: Algorithm, bytes: number): Promise<Digest> {
  const d = new Digester(alg);
  if (bytes > 0) for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) d.update(chunk);
  return d.digest();
}
