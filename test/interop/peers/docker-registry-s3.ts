import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensurePackages } from './apt.js';
import type { CephParams } from './dist-serve.js';
import { freePort } from './ports.js';

/** Debian's docker-registry (distribution 2.8) with its s3 driver on the Ceph gateway; stopped by PID. */
export interface RegistryS3 {
  host: string;
  url: string;
  pid: number;
  logs(): string;
  stop(): Promise<void>;
}

export async function startRegistryS3(dir: string, ceph: CephParams, bucket: string, root: string): Promise<RegistryS3> {
  ensurePackages(['docker-registry'], ['docker-registry']);
  const port = await freePort();
  const cfg = {
    version: 0.1,
    log: { level: 'warn' },
    storage: {
      s3: {
        accesskey: ceph.accessKey, secretkey: ceph.secretKey, region: ceph.region, regionendpoint: ceph.endpoint,
        bucket, forcepathstyle: true, secure: false, v4auth: true, rootdirectory: root,
      },
      delete: { enabled: true },
      redirect: { disable: true },
    },
    http: { addr: `127.0.0.1:${port}`, secret: 'compat-secret' },
  };
  const file = join(dir, `registry-${port}.yml`);
  writeFileSync(file, stringify(cfg));
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE; // 2.8 panics at start when it is set (see the S3 notes)
  const child: ChildProcess = spawn('docker-registry', ['serve', file], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout!.on('data', (d) => (out += d.toString()));
  child.stderr!.on('data', (d) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}:\n${out}`);
    const ok = await fetch(`${url}/v2/`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not answer:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    host: `127.0.0.1:${port}`,
    url,
    pid: child.pid!,
    logs: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
