// dist serve on S3 (Ceph RADOS Gateway on loopback) vs docker-registry's s3 driver on the same gateway.
// Both servers are driven by the same client (skopeo) so the figures compare the servers.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pullCmd, pushCmd } from '../clients.mjs';
import { ensureImage } from '../image.mjs';
import { check, measurePair } from '../pair.mjs';
import { freePort, run, startProcess, stopProcess, waitReady, which } from '../proc.mjs';
import { median, mibps } from '../stats.mjs';

const sh = promisify(execFile);
const MiB = 1024 * 1024;
const BUCKET = 'bench';
const CEPH_PKGS = 'ceph-mon ceph-osd radosgw ceph-common';

async function startCeph(root) {
  const dir = mkdtempSync(join(tmpdir(), 'dist-bench-ceph-'));
  const [rgw, v2, v1] = [await freePort(), await freePort(), await freePort()];
  const env = { ...process.env, CEPH_DIR: dir, RGW_PORT: String(rgw), MON_V2_PORT: String(v2), MON_V1_PORT: String(v1), WITH_MGR: '0', MEMSTORE_BYTES: String(6 * 1024 * MiB) };
  const scripts = join(root, 'test', 'interop', 'peers', 'ceph-s3');
  const stop = async () => {
    await sh('bash', [join(scripts, 'stop.sh')], { env: { ...env, PURGE: '1' } }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await sh('bash', [join(scripts, 'start.sh')], { env, timeout: 180_000 });
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint: `http://127.0.0.1:${rgw}`, accessKey: 'TESTACCESSKEY', secretKey: 'TESTSECRETKEY1234567890', stop };
}

function s3Params(ceph, rootdirectory) {
  return {
    accesskey: ceph.accessKey, secretkey: ceph.secretKey, region: 'us-east-1', regionendpoint: ceph.endpoint,
    bucket: BUCKET, forcepathstyle: true, secure: false, v4auth: true, rootdirectory,
  };
}

/** kind 'dist' or 'docker-registry', over the bucket under `rootdirectory`. */
async function startS3Server(ctx, kind, ceph, rootdirectory, redirect = false) {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  mkdirSync(join(ctx.work, 'logs'), { recursive: true });
  const cfgFile = join(ctx.work, 'logs', `s3-${kind}-${port}.yml`);
  const cfg = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { s3: s3Params(ceph, rootdirectory), delete: { enabled: true }, redirect: { disable: !redirect } },
    http: { addr: host, secret: 'bench-local-secret' },
  };
  writeFileSync(cfgFile, JSON.stringify(cfg)); // JSON is YAML
  const [cmd, args] = kind === 'dist'
    ? [process.execPath, [ctx.tools.distBin, 'serve', '--config', cfgFile, '--addr', host, '--log-level', 'error']]
    : ['env', ['-u', 'AWS_CA_BUNDLE', ctx.tools.dockerRegistry, 'serve', cfgFile]];
  const child = startProcess(cmd, args, { logFile: join(ctx.work, 'logs', `s3-${kind}-${port}.log`) });
  try {
    await waitReady(`http://${host}/v2/`, { child });
  } catch (e) {
    await stopProcess(child);
    throw e;
  }
  return { host, stop: () => stopProcess(child) };
}

/** Rows: push to an empty root and pull back, through each server, on the same gateway. */
export async function s3Figures(ctx, root) {
  const [layers, layerSize] = ctx.opts.quick ? [4, 16 * MiB] : [4, 64 * MiB];
  const what = `${(layers * layerSize) / MiB} MiB/${layers} layers`;
  const why = !which('radosgw') ? `missing: ceph (apt-get install ${CEPH_PKGS})` : !ctx.avail.skopeo ? 'missing: skopeo' : undefined;
  const rows = [`push ${what} to dist serve on S3`, `pull ${what} from dist serve on S3`, `pull ${what}, storage.redirect on (bytes from the store)`];
  if (why || !ctx.avail.registry) {
    for (const figure of rows) ctx.addRow({ figure, unit: 'MiB/s', dist: why ?? 'not available', peer: why ?? 'missing: docker-registry', peerName: 'docker-registry (s3)' });
    return;
  }
  const img = await ensureImage(join(root, 'bench', '.work', 'images', `s3-${layers}x${layerSize}`), { layers, layerSize, label: 's3' });
  ctx.log(`  starting Ceph RADOS Gateway (${CEPH_PKGS})`);
  const ceph = await startCeph(root);
  try {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    const c = new S3Client({ endpoint: ceph.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey }, requestChecksumCalculation: 'WHEN_REQUIRED' });
    await c.send(new CreateBucketCommand({ Bucket: BUCKET }));
    c.destroy();
    const med = (xs) => (xs?.length ? median(xs) : undefined);
    let n = 0;
    const filled = {};
    for (const redirect of [false, true]) {
      const pull = {};
      const sides = {};
      for (const [side, kind] of [['dist', 'dist'], ['peer', 'docker-registry']]) {
        sides[side] = async () => {
          // Push to an empty root each run; the redirect pass only pulls from a root filled before.
          const root = redirect ? filled[kind] : `/${kind}-${++n}`;
          if (!root) throw new Error('no pushed data to pull');
          const s = await startS3Server(ctx, kind, ceph, root, redirect);
          try {
            let pushed;
            if (!redirect) {
              const [cmd, args] = pushCmd('skopeo', ctx.tools, img.dir, img.tag, s.host, 'bench/s3');
              pushed = mibps(img.bytes, check(await run(cmd, args), `skopeo push to ${kind}`).seconds);
              filled[kind] = root;
            }
            const out = join(ctx.work, `s3-pull-${kind}`);
            rmSync(out, { recursive: true, force: true });
            const [pc, pa] = pullCmd('skopeo', ctx.tools, s.host, 'bench/s3', img.tag, out);
            const pr = check(await run(pc, pa), `skopeo pull from ${kind}`);
            for (const b of img.blobs) if (!existsSync(join(out, 'blobs', 'sha256', b.digest.slice(7)))) throw new Error(`pull lacks ${b.digest}`);
            rmSync(out, { recursive: true, force: true });
            (pull[side] ??= []).push(mibps(img.bytes, pr.seconds));
            return pushed ?? 0;
          } finally {
            await s.stop();
          }
        };
      }
      const r = await measurePair(ctx, `push/pull on S3${redirect ? ' (redirect)' : ''}`, { dist: ctx.avail.distServer ? sides.dist : 'not available', peer: sides.peer });
      const pullCell = (side) => (typeof r[side] === 'string' ? r[side] : med(pull[side]) ?? 'no data');
      if (!redirect) ctx.addRow({ figure: rows[0], unit: 'MiB/s', dist: r.dist, peer: r.peer, peerName: 'docker-registry (s3)' });
      ctx.addRow({ figure: redirect ? rows[2] : rows[1], unit: 'MiB/s', dist: pullCell('dist'), peer: pullCell('peer'), peerName: `docker-registry (s3${redirect ? ', redirect' : ''})` });
    }
  } finally {
    await ceph.stop();
  }
}
