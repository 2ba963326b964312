import { execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ANNOTATION_REF_NAME, type Descriptor } from '../../src/oci/types.js';

export const ROOT = resolve(__dirname, '../..');
export const DIST_BIN = join(ROOT, 'bin', 'dist.js');

export interface Run { code: number; out: string; err: string }

/** Run the built CLI (`npm run test:interop` builds first). */
export function dist(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [DIST_BIN, ...args], { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.stdin.end(opts.input ?? '');
    p.on('close', (code) => res({ code: code ?? -1, out, err }));
  });
}

/** Run skopeo; resolves stdout (as a Buffer) and the exit code. */
export function skopeo(args: string[]): Promise<{ code: number; out: Buffer; err: string }> {
  return new Promise((res) => {
    execFile('skopeo', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
      res({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr.toString() });
    });
  });
}

/** Write an OCI image layout holding the given blobs, the root tagged `tag`. */
export async function writeLayout(dir: string, blobs: Array<{ desc: Descriptor; bytes: Buffer }>, tag: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of blobs) await writeFile(join(dir, 'blobs', 'sha256', b.desc.digest.slice(7)), b.bytes);
  const root = blobs.at(-1)!.desc;
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...root, annotations: { [ANNOTATION_REF_NAME]: tag } }] }));
}

/** Print what an interop case observed (kept in the test output for the closing note). */
export function note(label: string, value: unknown): void {
  process.stdout.write(`[interop] ${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
}
