import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ensurePackages } from './apt.js';
import { freePorts } from './ports.js';

const run = promisify(execFile);
const SCRIPTS = join(import.meta.dirname, 'ceph-s3');

/** A throw-away single-node Ceph cluster with a RADOS Gateway on a free loopback port. */
export interface CephS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  dir: string;
  /** Start time of the cluster in ms. */
  startMs: number;
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Install Debian's Ceph packages when missing, then start mon + memstore osd + radosgw (~2 s). */
export async function startCeph(opts: { memstoreBytes?: number } = {}): Promise<CephS3> {
  ensurePackages(['radosgw', 'ceph-mon', 'ceph-osd', 'radosgw-admin', 'monmaptool', 'curl'], ['ceph-mon', 'ceph-osd', 'radosgw', 'ceph-common', 'curl']);
  const dir = mkdtempSync(join(tmpdir(), 'dist-ceph-'));
  const [rgw, v2, v1] = await freePorts(3);
  const env = {
    ...process.env,
    CEPH_DIR: dir,
    RGW_PORT: String(rgw),
    MON_V2_PORT: String(v2),
    MON_V1_PORT: String(v1),
    WITH_MGR: '0',
    MEMSTORE_BYTES: String(opts.memstoreBytes ?? 2 * 1024 ** 3),
  };
  const t0 = Date.now();
  try {
    await run('bash', [join(SCRIPTS, 'start.sh')], { env, timeout: 180_000 });
  } catch (e) {
    await run('bash', [join(SCRIPTS, 'stop.sh')], { env: { ...env, PURGE: '1' } }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`ceph start failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
  const startMs = Date.now() - t0;
  const vars = Object.fromEntries(
    readFileSync(join(dir, 'data', 's3.env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const s3: CephS3 = {
    endpoint: vars.S3_ENDPOINT!,
    accessKey: vars.S3_ACCESS_KEY!,
    secretKey: vars.S3_SECRET_KEY!,
    region: vars.S3_REGION ?? 'us-east-1',
    dir,
    startMs,
    client: () =>
      new S3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    async createBucket(name) {
      const c = s3.client();
      try {
        await c.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        c.destroy();
      }
    },
    async stop() {
      await run('bash', [join(SCRIPTS, 'stop.sh')], { env: { ...env, PURGE: '1' }, timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return s3;
}
