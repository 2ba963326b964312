import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildOnce, PKG } from './helpers.js';

/** `dist ARGS | head -c N` in a shell with pipefail: dist's own status, and its stderr. */
function piped(args: string[], bytes: number): Promise<{ status: string; stderr: string; out: string }> {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const script = `set -o pipefail; "${process.execPath}" "${PKG}/bin/dist.js" ${quoted} 2>"$ERR" | head -c ${bytes}; echo " status=$?"; cat "$ERR" >&2`;
  return new Promise((res, rej) => {
    const p = spawn('bash', ['-c', script], { env: { ...process.env, ERR: `${PKG}/pipe-stderr-${process.pid}` } });
    let out = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', rej);
    p.on('close', () => res({ status: /status=(\d+)/.exec(out)?.[1] ?? '?', stderr, out }));
  });
}

describe('output into a pipe that closes early', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    buildOnce();
    reg = await startRegistry();
    const repo = new RemoteRepository(reg.host, 'pipe/app', { journal: false });
    const img = await randomImage({ layers: 1, size: 2 * 1024 * 1024 });
    await storeImage(repo, img.blobs, 't0');
    for (let i = 1; i < 300; i++) await repo.tag(img.manifest.desc, `t${i}`);
  });
  afterAll(() => reg.close());

  it('dist tags | head: nothing on stderr (0 when the tags fit in the pipe, else 141)', async () => {
    const r = await piped(['tags', `${reg.host}/pipe/app`, '--page-size', '1'], 3);
    expect(r.stderr).toBe('');
    expect(['0', '141']).toContain(r.status);
  });

  it('dist blob | head: the same for a streamed blob', async () => {
    const img = await new RemoteRepository(reg.host, 'pipe/app', { journal: false }).fetchManifest('t0');
    const layer = JSON.parse(img.bytes.toString('utf8')).layers[0].digest as string;
    const r = await piped(['blob', `${reg.host}/pipe/app@${layer}`], 100);
    expect(r.stderr).toBe('');
    expect(r.status).toBe('141');
  });
});
