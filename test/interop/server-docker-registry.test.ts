import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/distribution.js';
import { randomImage, type RandomImage } from '../helpers/images.js';
import { spawnServe } from '../server/spawn.js';
import { raw } from '../server/util.js';
import { tempDir } from '../helpers/temp.js';
import { skopeo } from './peers/skopeo.js';

const run = promisify(execFile);

let work: string;
let img: RandomImage;
beforeAll(async () => {
  work = tempDir('dist-vs-registry-');
  img = await randomImage({ layers: 2, size: 150_000, dir: join(work, 'src'), tag: 'v1' });
});

interface Peer {
  host: string;
  url: string;
  stop(): Promise<void>;
}

/** docker-registry (distribution 2.8) serving `data` on a free loopback port. */
async function startDockerRegistry(data: string): Promise<Peer> {
  const port = await freePort();
  const cfg = join(work, `registry-${port}.yml`);
  await writeFile(cfg, `version: 0.1\nlog: { level: warn }\nstorage:\n  filesystem: { rootdirectory: ${data} }\n  delete: { enabled: true }\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: interop\n`);
  const proc: ChildProcess = spawn('docker-registry', ['serve', cfg], { stdio: 'ignore' });
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await raw(url, 'GET', '/v2/').then((r) => r.status === 200, () => false);
    if (ok) break;
    if (i > 100) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, url, stop: async () => { proc.kill('SIGTERM'); await exited; } };
}

async function startDist(data: string): Promise<Peer> {
  const s = await spawnServe([data, '--addr', '127.0.0.1:0', '--log-level', 'error']);
  return { host: new URL(s.url).host, url: s.url, stop: async () => { s.proc.kill('SIGTERM'); await s.exited; } };
}

/** Push with skopeo to the writer, stop it, serve the same directory with the reader, pull back and compare. */
async function handOver(label: string, writer: (d: string) => Promise<Peer>, reader: (d: string) => Promise<Peer>): Promise<void> {
  const data = join(work, `data-${label}`);
  const w = await writer(data);
  await skopeo('copy', '--dest-tls-verify=false', `oci:${join(work, 'src')}:v1`, `docker://${w.host}/interop/img:v1`);
  await skopeo('copy', '--dest-tls-verify=false', '--format', 'v2s2', `oci:${join(work, 'src')}:v1`, `docker://${w.host}/interop/docker:v1`);
  const dockerDigest = (await raw(w.url, 'HEAD', '/v2/interop/docker/manifests/v1', { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } })).header('docker-content-digest');
  await w.stop();
  const r = await reader(data);
  try {
    const rawOut = await run('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${r.host}/interop/img:v1`], { encoding: 'buffer' });
    expect(Buffer.from(rawOut.stdout).equals(img.manifest.bytes)).toBe(true);
    const out = join(work, `out-${label}`);
    await skopeo('copy', '--src-tls-verify=false', `docker://${r.host}/interop/img:v1`, `oci:${out}:v1`);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    expect(index.manifests[0]!.digest).toBe(img.manifest.digest);
    for (const b of img.layers) expect((await readFile(join(out, 'blobs/sha256', b.digest.slice(7)))).equals(b.bytes)).toBe(true);
    const head = await raw(r.url, 'HEAD', '/v2/interop/docker/manifests/v1', { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(head.status).toBe(200);
    expect(head.header('docker-content-digest')).toBe(dockerDigest);
    const tags = JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${r.host}/interop/img`)) as { Tags: string[] };
    expect(tags.Tags).toEqual(['v1']);
    const cat = await raw(r.url, 'GET', '/v2/_catalog');
    expect(cat.json()).toEqual({ repositories: ['interop/docker', 'interop/img'] });
  } finally {
    await r.stop();
  }
}

describe('data directories are interchangeable with docker-registry 2.8', () => {
  it('a directory written by docker-registry is served by dist serve with the same digests', async () => {
    await handOver('from-registry', startDockerRegistry, startDist);
  });

  it('a directory written by dist serve is served by docker-registry with the same digests', async () => {
    await handOver('from-dist', startDist, startDockerRegistry);
  });
});
