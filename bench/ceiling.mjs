// What a Node client could reach on this machine: the blobs of one image fetched in parallel into
// files, hashed while they arrive, six ways: raw sockets (no HTTP library; the response head is
// parsed by hand), node:http (Node's own client, native parser) or undici (dist's own dispatcher and
// file sink), each on the main thread or split across two worker threads. No dist command around it:
// no CLI, no layout, no retries.
//
//   npm run build && node bench/ceiling.mjs HOST:PORT REPO[:TAG] [--runs N]
//
// Plain HTTP to a loopback registry only (e.g. the docker-registry `npm run bench -- --keep` leaves
// data for, or any `dist serve`). bench/README.md quotes its figures to say where 2x skopeo lies.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const READ = 512 * 1024;

/** GET one blob over a fresh socket with 512 KiB reads; hash and write each read synchronously. */
function rawGet(host, port, path, out) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const fd = openSync(out, 'w');
    let head = Buffer.alloc(0);
    let left = -1;
    const body = (b) => {
      h.update(b);
      writeSync(fd, b);
      left -= b.length;
      if (left === 0) {
        s.end();
        closeSync(fd);
        resolve(`sha256:${h.digest('hex')}`);
      }
    };
    const s = connect({ host, port, onread: { buffer: Buffer.allocUnsafe(READ), callback: (n, buf) => {
      const c = buf.subarray(0, n);
      if (left >= 0) return body(c);
      head = Buffer.concat([head, c]);
      const i = head.indexOf('\r\n\r\n');
      if (i < 0) return;
      const status = /^HTTP\/1\.1 (\d+)/.exec(head.toString('latin1', 0, 16))?.[1];
      const len = /\r\ncontent-length: *(\d+)/i.exec(head.toString('latin1', 0, i))?.[1];
      if (status !== '200' || len === undefined) return reject(new Error(`${path}: HTTP ${status}, no Content-Length`));
      left = Number(len);
      if (head.length > i + 4) body(head.subarray(i + 4));
    } } });
    s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`));
    s.on('error', reject);
  });
}

/** The same GET with dist's undici dispatcher (512 KiB reads) into dist's FileSink. */
async function undiciGet(host, port, path, out) {
  const { createDispatcher } = await import('../build/transport/base.js');
  const { FileSink } = await import('../build/content/layout/file-sink.js');
  globalThis.distDispatcher ??= createDispatcher();
  const res = await globalThis.distDispatcher.request({ origin: `http://${host}:${port}`, path, method: 'GET' });
  if (res.statusCode !== 200) throw new Error(`${path}: HTTP ${res.statusCode}`);
  const h = createHash('sha256');
  const fd = openSync(out, 'w');
  try {
    await pipeline(res.body, new FileSink(fd, (c) => h.update(c)));
  } finally {
    closeSync(fd);
  }
  return `sha256:${h.digest('hex')}`;
}

/** The same GET with node:http (keep-alive agent) into dist's FileSink. */
const nodeAgent = new http.Agent({ keepAlive: true });
function nodeGet(host, port, path, out) {
  return new Promise((resolve, reject) => {
    http.get({ host, port, path, agent: nodeAgent }, async (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${path}: HTTP ${res.statusCode}`));
      const { FileSink } = await import('../build/content/layout/file-sink.js');
      const h = createHash('sha256');
      const fd = openSync(out, 'w');
      try {
        await pipeline(res, new FileSink(fd, (c) => h.update(c)));
        resolve(`sha256:${h.digest('hex')}`);
      } catch (e) {
        reject(e);
      } finally {
        closeSync(fd);
      }
    }).on('error', reject);
  });
}

const GET = { raw: rawGet, node: nodeGet, undici: undiciGet };
const fetchAll = (how, host, port, jobs) => Promise.all(jobs.map(([path, out]) => GET[how](host, port, path, out)));

if (!isMainThread) {
  const { how, host, port, jobs } = workerData;
  parentPort.postMessage(await fetchAll(how, host, port, jobs));
  process.exit(0);
}

const [target, ref, ...rest] = process.argv.slice(2);
const runs = Number(rest[rest.indexOf('--runs') + 1] ?? 3) || 3;
if (!target || !ref) {
  console.error('usage: node bench/ceiling.mjs HOST:PORT REPO[:TAG] [--runs N]');
  process.exit(2);
}
const [host, portText] = target.split(':');
if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error('loopback registries only');
const port = Number(portText);
const [repo, tag = 'latest'] = ref.split(':');
const man = await (await fetch(`http://${host}:${port}/v2/${repo}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } })).json();
const layers = man.layers ?? [];
if (!layers.length) throw new Error(`${ref}: no layers (an image manifest is needed, not an index)`);
const bytes = layers.reduce((n, l) => n + l.size, 0);

async function once(how, threads) {
  const dir = mkdtempSync(join(tmpdir(), 'dist-ceiling-'));
  const jobs = layers.map((l, i) => [`/v2/${repo}/blobs/${l.digest}`, join(dir, String(i))]);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let got;
  if (threads === 1) got = await fetchAll(how, host, port, jobs);
  else {
    const parts = Array.from({ length: threads }, (_, t) => jobs.filter((_, i) => i % threads === t));
    const results = await Promise.all(parts.map((p) => new Promise((res, rej) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { how, host, port, jobs: p } });
      w.once('message', res);
      w.once('error', rej);
    })));
    got = jobs.map((_, i) => results[i % threads][Math.floor(i / threads)]);
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  rmSync(dir, { recursive: true, force: true });
  got.forEach((d, i) => { if (d !== layers[i].digest) throw new Error(`${layers[i].digest}: got ${d}`); });
  return { s: ms / 1000, cpu: (c.user + c.system) / 1e6 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${layers.length} blobs, ${(bytes / 2 ** 20).toFixed(0)} MiB from ${target}/${ref}; median of ${runs}`);
for (const [how, threads] of [['raw', 1], ['raw', 2], ['node', 1], ['node', 2], ['undici', 1], ['undici', 2]]) {
  const r = [];
  for (let i = 0; i < runs; i++) r.push(await once(how, threads));
  const s = median(r.map((x) => x.s));
  console.log(`${how.padEnd(6)} ${threads} thread(s): ${s.toFixed(2)} s (${(bytes / 2 ** 20 / s).toFixed(0)} MiB/s), process CPU ${median(r.map((x) => x.cpu)).toFixed(2)} s  [${r.map((x) => x.s.toFixed(2)).join(', ')}]`);
}
