import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free loopback TCP port (bind 0, read it back, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface DistributionOptions {
  /** Extra YAML appended at top level (e.g. an `auth:` block). `DIR/` and `HTPASSWD` are replaced by the temp dir paths. */
  extraYaml?: string;
  /** Extra YAML under `http:` (e.g. `tls:`), indented by the caller with two spaces. */
  httpYaml?: string;
  /** Files to write into the temp dir before starting (name → content). */
  files?: Record<string, string>;
}

export interface RunningDistribution {
  /** `127.0.0.1:PORT` */
  host: string;
  dir: string;
  dataDir: string;
  proc: ChildProcess;
  logs: () => string;
  stop(): Promise<void>;
}

/** Start Debian's `docker-registry` (distribution 2.8) on a free loopback port in a temp dir. */
export async function startDistribution(opts: DistributionOptions = {}): Promise<RunningDistribution> {
  const dir = await mkdtemp(join(tmpdir(), 'dist-reg-'));
  for (const [name, content] of Object.entries(opts.files ?? {})) await writeFile(join(dir, name), content);
  const dataDir = join(dir, 'data');
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const fill = (y: string): string => y.replaceAll('DIR/', `${dir}/`).replaceAll('HTPASSWD', join(dir, 'htpasswd'));
    const cfg = [
      'version: 0.1',
      'log: { level: info, accesslog: { disabled: false } }',
      'storage:',
      `  filesystem: { rootdirectory: ${dataDir} }`,
      '  delete: { enabled: true }',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: dist-test-secret',
      ...(opts.httpYaml ? [fill(opts.httpYaml)] : []),
      ...(opts.extraYaml ? [fill(opts.extraYaml)] : []),
    ].join('\n');
    await writeFile(join(dir, 'registry.yml'), `${cfg}\n`);
    let out = '';
    const proc = spawn('docker-registry', ['serve', join(dir, 'registry.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const up = await waitListening(port, proc, 5000);
    if (!up) {
      proc.kill('SIGKILL');
      if (tries < 3) continue;
      throw new Error(`docker-registry did not start:\n${out}`);
    }
    return {
      host: `127.0.0.1:${port}`,
      dir,
      dataDir,
      proc,
      logs: () => out,
      async stop() {
        if (proc.exitCode === null) {
          const done = new Promise((r) => proc.once('exit', r));
          proc.kill('SIGTERM');
          await done;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

async function waitListening(port: number, proc: ChildProcess, ms: number): Promise<boolean> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
