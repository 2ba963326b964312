import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, dist } from '../cli/helpers.js';
import { type Served, spawnServe, stopServe } from './spawn.js';
import { tempDir } from '../helpers/temp.js';

// offline `dist gc` on a directory a writable `dist serve` is serving: a manifest PUT between mark
// and sweep would leave a tag naming deleted blobs, so gc refuses (read-only servers are fine)
const running: Served[] = [];

async function serve(args: string[]): Promise<{ url: string; child: Served['proc'] }> {
  const s = await spawnServe(['--addr', '127.0.0.1:0', ...args]);
  running.push(s);
  return { url: s.url, child: s.proc };
}

/** An uploaded blob no manifest references yet: exactly what a push in progress looks like to gc. */
async function uploadBlob(url: string): Promise<string> {
  const body = randomBytes(32);
  const hex = createHash('sha256').update(body).digest('hex');
  const r = await fetch(`${url}/v2/r/blobs/uploads/?digest=sha256:${hex}`, { method: 'POST', body, headers: { 'Content-Type': 'application/octet-stream' } });
  expect(r.status).toBe(201);
  return hex;
}

const blobPath = (dir: string, hex: string): string => join(dir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');

describe('offline gc next to a running dist serve (robustness)', () => {
  beforeAll(() => buildOnce(), 240_000);
  afterEach(() => Promise.all(running.splice(0).map(stopServe)));

  it('refuses while a writable server runs (the pushed blob stays); --dry-run runs; a read-only server or a dead one does not block', async () => {
    const dir = tempDir();
    const { url, child } = await serve([dir]);
    const hex = await uploadBlob(url);
    const r = await dist(['gc', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`dist: ${dir} is being served by dist serve (pid ${child.pid}): stop it or restart it with --read-only first, or use online gc (storage.gc)\n`);
    expect(existsSync(blobPath(dir, hex))).toBe(true);
    expect((await dist(['gc', '--dry-run', dir])).code).toBe(0);
    expect(existsSync(blobPath(dir, hex))).toBe(true);
    // killed (its marker left behind, stale) and a read-only server on the same directory
    // (distribution's documented way to collect): gc runs and collects the unreferenced blob
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    await serve([dir, '--read-only']);
    const after = await dist(['gc', dir]);
    expect(after.code, after.stderr).toBe(0);
    expect(existsSync(blobPath(dir, hex))).toBe(false);
  }, 60_000);
});
