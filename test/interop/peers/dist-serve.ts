import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

const BIN = resolve(import.meta.dirname, '../../../bin/dist.js');

/** One `dist serve` process (the built CLI) on a free loopback port; stopped or killed by PID. */
export interface DistInstance {
  url: string;
  /** host:port, for skopeo references. */
  host: string;
  pid: number;
  stderr(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export interface CephParams {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

/** distribution-style config for S3 storage (+ optional Redis cache and redirects). */
export function s3Config(ceph: CephParams, o: { bucket: string; root?: string; redis?: string; redisPassword?: string; redirect?: boolean; secret?: string }): Record<string, unknown> {
  const storage: Record<string, unknown> = {
    s3: {
      accesskey: ceph.accessKey, secretkey: ceph.secretKey, region: ceph.region, regionendpoint: ceph.endpoint,
      bucket: o.bucket, rootdirectory: o.root ?? '/', forcepathstyle: true, secure: false, chunksize: 5242880,
    },
    delete: { enabled: true },
    redirect: o.redirect ? { disable: false } : { disable: true },
  };
  const cfg: Record<string, unknown> = { version: 0.1, log: { level: 'warn' }, storage, http: { addr: '127.0.0.1:0', secret: o.secret ?? 'shared-secret' } };
  if (o.redis) {
    storage.cache = { blobdescriptor: 'redis' };
    cfg.redis = { addr: o.redis, password: o.redisPassword, db: 0, pool: { maxidle: 4, maxactive: 16 } };
  }
  return cfg;
}

export async function startDist(dir: string, name: string, config: Record<string, unknown>, extraEnv: Record<string, string> = {}): Promise<DistInstance> {
  const file = join(dir, `${name}.yml`);
  writeFileSync(file, stringify(config));
  const env = { ...process.env, ...extraEnv };
  delete env.AWS_CA_BUNDLE;
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--config', file, '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let err = '';
  child.stderr!.on('data', (d) => (err += d.toString()));
  const url = await new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`dist serve ${name} did not start:\n${err}`)), 20_000);
    const check = (): void => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) {
        clearTimeout(t);
        res(m[1]!);
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`dist serve ${name} exited ${code}:\n${err}`));
    });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, sig);
    await exited;
  };
  return { url, host: new URL(url).host, pid: child.pid!, stderr: () => err, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
