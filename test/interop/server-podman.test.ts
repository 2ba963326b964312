import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImage, type RandomImage } from '../helpers/images.js';
import { type Served, spawnServe } from '../server/spawn.js';
import { raw } from '../server/util.js';

const run = promisify(execFile);

let work: string;
let served: Served;
let host: string;
let img: RandomImage;
let podman: (...args: string[]) => Promise<string>;

beforeAll(async () => {
  // podman names an `oci:` image after its path, which must be lower case (mkdtemp's suffix is not).
  work = join(tmpdir(), `dist-podman-${randomBytes(6).toString('hex')}`);
  await mkdir(work);
  served = await spawnServe([join(work, 'data'), '--addr', '127.0.0.1:0', '--log-level', 'error']);
  host = new URL(served.url).host;
  img = await randomImage({ layers: 2, size: 100_000, dir: join(work, 'src'), tag: 'v1' });
  const base = ['--root', join(work, 'root'), '--runroot', join(work, 'run'), '--storage-driver', 'vfs'];
  podman = async (...args) => (await run('podman', [...base, ...args], { maxBuffer: 64 << 20 })).stdout.trim();
});
afterAll(async () => {
  served.proc.kill('SIGTERM');
  await served.exited;
  await podman('rmi', '-a', '-f').catch(() => '');
  await rm(work, { recursive: true, force: true });
});

describe('podman (vfs storage) ↔ dist serve', () => {
  it('pushes an image and pulls it back with the same config and layers', async () => {
    const id = await podman('pull', `oci:${join(work, 'src')}:v1`);
    expect(`sha256:${id.split('\n').pop()}`).toBe(img.config.digest);
    await podman('push', '--tls-verify=false', img.config.digest.slice(7), `${host}/podman/img:v1`);
    const tags = await raw(served.url, 'GET', '/v2/podman/img/tags/list');
    expect(tags.json()).toEqual({ name: 'podman/img', tags: ['v1'] });
    await podman('rmi', '-a', '-f');
    await podman('pull', '--tls-verify=false', `${host}/podman/img:v1`);
    const layers = JSON.parse(await podman('image', 'inspect', `${host}/podman/img:v1`, '--format', '{{json .RootFS.Layers}}')) as string[];
    expect(layers).toEqual(img.diffIds);
    const pulledId = await podman('image', 'inspect', `${host}/podman/img:v1`, '--format', '{{.Id}}');
    expect(`sha256:${pulledId}`).toBe(img.config.digest);
    const m = JSON.parse((await raw(served.url, 'GET', '/v2/podman/img/manifests/v1', { headers: { Accept: '*/*' } })).body.toString()) as { config: { digest: string } };
    expect(m.config.digest).toBe(img.config.digest);
  });
});
