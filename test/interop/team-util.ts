import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/distribution.js';

export const run = promisify(execFile);
export const BIN = resolve(__dirname, '../../bin/dist.js');

/** Run a command; never throws: code, stdout and stderr. */
export async function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(cmd, args, { maxBuffer: 64 << 20, env: { ...process.env, ...opts.env }, cwd: opts.cwd });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

export const dist = (args: string[], env: NodeJS.ProcessEnv = {}) => sh(process.execPath, [BIN, ...args], { env });

export interface Proc {
  proc: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawn a long-running dist subcommand and wait for its `listening on URL` line. */
export async function spawnDist(args: string[], ready = /listening on (https?:\/\/\S+)/): Promise<Proc> {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`dist ${args[0]} did not start: ${out}`)), 20_000);
    proc.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = ready.exec(out);
      if (m) { clearTimeout(timer); res(m[1]!); }
    });
    void exited.then((code) => { clearTimeout(timer); rej(new Error(`dist ${args[0]} exited ${code}: ${out}`)); });
  });
  return {
    proc, url, output: () => out, exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) { proc.kill(signal); await exited; }
    },
  };
}

/** Debian's docker-registry over `data` (kept after stop), on a free port. */
export async function dockerRegistry(work: string, data: string, extra = ''): Promise<{ host: string; config: string; stop(): Promise<void> }> {
  const port = await freePort();
  const config = join(work, `registry-${port}.yml`);
  await writeFile(config, `version: 0.1\nlog: { level: warn }\nstorage:\n  filesystem: { rootdirectory: ${data} }\n  delete: { enabled: true }\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: interop\n${extra}`);
  const proc = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (i > 100) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, config, stop: async () => { proc.kill('SIGTERM'); await exited; } };
}

/** Lines `blob eligible for deletion: <digest>` of a GC output, sorted. */
export function eligibleBlobs(output: string): string[] {
  return [...output.matchAll(/blob eligible for deletion: (sha256:[0-9a-f]{64})/g)].map((m) => m[1]!).sort();
}
