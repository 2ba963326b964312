import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import { buildOnce, dist, eventsOf } from './helpers.js';

const opts = { journal: false as const };

describe('dist copy --all-tags (CLI)', () => {
  let reg: TestRegistry;
  /** Counts every request: a usage error must send none. */
  let proxy: FaultProxy;
  let layout: string;
  beforeAll(async () => {
    buildOnce();
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.host);
    const repo = new RemoteRepository(reg.host, 'cli/all', opts);
    for (const tag of ['v1', 'v2', 'v3']) await storeImage(repo, (await randomImage({ layers: 1, size: 1024 })).blobs, tag);
    layout = join(tempDir('dist-cli-all-tags-'), 'src');
    const c = await dist(['copy', '--all-tags', `${reg.host}/cli/all`, layout]);
    expect(c.code, c.stderr).toBe(0);
  });
  afterAll(async () => {
    await proxy.close();
    await reg.close();
  });

  it('usage errors come before any request or file: --referrers into a docker-archive, --format with DST:tag', async () => {
    const dir = tempDir('dist-cli-all-tags-');
    const before = proxy.log.length;
    const a = await dist(['copy', '--all-tags', '--referrers', `${proxy.host}/cli/all`, join(dir, 'out.tar')]);
    expect(a.code, a.stderr).toBe(2);
    expect(a.stderr).toMatch(/^dist: --referrers: a docker-archive cannot hold referrers/);
    const b = await dist(['copy', '--all-tags', '--format', 'oci-archive', `${proxy.host}/cli/all`, `${join(dir, 'out.tar')}:v1`]);
    expect(b.code, b.stderr).toBe(2);
    expect(b.stderr).toMatch(/names one image/);
    const c = await dist(['copy', '--all-tags', '--format', 'oci-layout', `${proxy.host}/cli/all`, `${join(dir, 'lay')}:v1`]);
    expect(c.code, c.stderr).toBe(2);
    expect(proxy.log.length).toBe(before);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a layout or OCI archive into a docker-archive is refused (its images would have no RepoTags)', async () => {
    const dir = tempDir('dist-cli-all-tags-');
    const r = await dist(['copy', '--all-tags', layout, join(dir, 'out.tar')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^dist: --all-tags: a docker-archive .* use|write an OCI archive/);
    expect(await readdir(dir)).toEqual([]);
    // an OCI archive is fine, and from the registry a docker-archive is too
    const ok = await dist(['copy', '--all-tags', layout, join(dir, 'out.tar'), '--format', 'oci-archive']);
    expect(ok.code, ok.stderr).toBe(0);
    const docker = await dist(['copy', '--all-tags', `${reg.host}/cli/all`, join(dir, 'docker.tar')]);
    expect(docker.code, docker.stderr).toBe(0);
    expect(docker.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('a failure names the tag and keeps the exit code of its cause (DENIED: 4)', async () => {
    const v2 = (await new RemoteRepository(reg.host, 'cli/all', opts).resolve('v2')).digest;
    const deny = await startFaultProxy(reg.host, (req) =>
      req.method === 'PUT' && (req.url ?? '').includes(`/manifests/${v2}`) ? { kind: 'respond', status: 403, body: '{"errors":[{"code":"DENIED","message":"no writes here"}]}' } : { kind: 'pass' });
    try {
      const r = await dist(['copy', '--all-tags', `${reg.host}/cli/all`, `${deny.host}/cli/denied`]);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/^dist: tag v2: destination: .*no writes here/m);
    } finally {
      await deny.close();
    }
  });

  it('results are printed as each tag is done: a failure at v3 finds v1 and v2 on stdout (text and --json)', async () => {
    const v3 = (await new RemoteRepository(reg.host, 'cli/all', opts).resolve('v3')).digest;
    const fail = await startFaultProxy(reg.host, (req) =>
      req.method === 'PUT' && (req.url ?? '').includes(`/manifests/${v3}`) ? { kind: 'respond', status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}' } : { kind: 'pass' });
    try {
      const text = await dist(['copy', '--all-tags', `${reg.host}/cli/all`, `${fail.host}/cli/stream-text`]);
      expect(text.code).toBe(1);
      expect(text.stdout.trim().split('\n')).toEqual([
        expect.stringMatching(new RegExp(`^copied ${reg.host}/cli/all:v1 -> ${fail.host}/cli/stream-text:v1 sha256:`)),
        expect.stringMatching(new RegExp(`^copied ${reg.host}/cli/all:v2 -> ${fail.host}/cli/stream-text:v2 sha256:`)),
      ]);
      expect(text.stderr).toMatch(/^dist: tag v3: destination: .*disk on fire/m);
      const json = await dist(['copy', '--all-tags', `${reg.host}/cli/all`, `${fail.host}/cli/stream-json`, '--json']);
      expect(json.code).toBe(1);
      expect(eventsOf(json, 'result').map((o) => o.tag)).toEqual(['v1', 'v2']);
    } finally {
      await fail.close();
    }
  });

  it('plain progress: one summary line for the run, after the results; a skipped fallback tag is said on stderr', async () => {
    const repo = new RemoteRepository(reg.host, 'cli/fb', opts);
    const v1 = await storeImage(repo, (await randomImage({ layers: 1, size: 1024 })).blobs, 'v1');
    await storeImage(repo, (await randomImage({ layers: 1, size: 1024 })).blobs, 'v2');
    const fallbackTag = `sha256-${v1.digest.slice(7)}`;
    await repo.tag(v1, fallbackTag);
    const r = await dist(['copy', '--all-tags', `${reg.host}/cli/fb`, `${reg.host}/cli/fb-copy`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.split(' ')[1])).toEqual([`${reg.host}/cli/fb:v1`, `${reg.host}/cli/fb:v2`]);
    expect(r.stderr.match(/^copied: \d+\/\d+ blobs.*$/gm)).toEqual([expect.stringMatching(/^copied: 0\/0 blobs, .*; 4 mounted$/)]);
    expect(r.stderr).toContain(`copied: skipped tag ${fallbackTag}: a referrers fallback tag`);
    expect((await new RemoteRepository(reg.host, 'cli/fb-copy', opts).tags()).sort()).toEqual(['v1', 'v2']);
  });
});
