// Serving: dist serve vs docker-registry on the same data directory, with the same load generator/client.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pushCmd } from '../clients.mjs';
import { OCI_MANIFEST } from '../image.mjs';
import { measureMany, measurePair, check } from '../pair.mjs';
import { run } from '../proc.mjs';
import { startServer } from '../servers.mjs';
import { runWrk } from '../wrk.mjs';
import { serverMissing } from './transfer.mjs';

const CONNS = [1, 16, 64];

function serverSides(ctx, fn, extraMissing) {
  const side = (kind) => serverMissing(ctx, kind) ?? extraMissing ?? (() => fn(kind));
  return { dist: side('dist'), peer: side('docker-registry') };
}

async function withServer(ctx, kind, dir, fn) {
  const s = await startServer(kind, dir, { workDir: join(ctx.work, 'logs'), tools: ctx.tools });
  try { return await fn(s); } finally { await s.stop(); }
}

export async function servingFigures(ctx, groups) {
  const secs = ctx.sizes.wrkSeconds;
  const noWrk = ctx.avail.wrk ? undefined : 'missing: wrk';
  if (groups.has('manifest') || groups.has('blob')) {
    const keys = [...CONNS.flatMap((c) => [`rps${c}`, `p99${c}`]), 'blob'];
    const blobs = groups.has('blob') ? ctx.images.blobs16.manifest.layers.map((l) => `/v2/bench/blobs/blobs/${l.digest}`) : [];
    const r = await measureMany(ctx, 'serving', keys, serverSides(ctx, async (kind) => withServer(ctx, kind, ctx.sharedDir, async (s) => {
      const out = {};
      if (groups.has('manifest')) {
        // Warm-up (not measured), the same for both servers: JIT and lazily loaded handlers in dist, caches in both.
        await runWrk(ctx, s.url, ['/v2/bench/big/manifests/latest'], { connections: 4, seconds: 1, headers: { Accept: OCI_MANIFEST } });
        for (const c of CONNS) {
          const w = await runWrk(ctx, s.url, ['/v2/bench/big/manifests/latest'], { connections: c, seconds: secs, headers: { Accept: OCI_MANIFEST } });
          out[`rps${c}`] = w.rps;
          out[`p99${c}`] = w.p99ms;
        }
      }
      if (groups.has('blob')) {
        const w = await runWrk(ctx, s.url, blobs, { connections: 16, seconds: secs * 2, timeout: '60s' });
        if (w.requests < 16) ctx.log(`  blob GET on ${kind}: only ${w.requests} blobs completed in ${secs * 2}s (bytes of partial ones count)`);
        out.blob = w.mibps;
      }
      return out;
    }), noWrk));
    const peerName = 'docker-registry';
    if (groups.has('manifest')) {
      for (const c of CONNS) ctx.addRow({ figure: `manifest GET rps, ${c} conn`, unit: 'req/s', ...r[`rps${c}`], peerName, target: { ratio: 1, ahead: true } });
      for (const c of CONNS) ctx.addRow({ figure: `manifest GET p99, ${c} conn`, unit: 'ms', ...r[`p99${c}`], peerName, target: { ratio: 1 } });
    }
    if (groups.has('blob')) {
      ctx.addRow({ figure: `blob GET, 16 parallel ${ctx.sizes.blobLabel} blobs`, unit: 'MiB/s', ...r.blob, peerName, target: { ratio: 1 } });
    }
  }
  if (groups.has('pushes')) {
    const n = ctx.images.small.length;
    const noSkopeo = ctx.avail.skopeo ? undefined : 'missing: skopeo';
    const r = await measurePair(ctx, 'concurrent pushes', serverSides(ctx, async (kind) => {
      const dir = join(ctx.work, `pushes-${kind}`);
      rmSync(dir, { recursive: true, force: true });
      try {
        return await withServer(ctx, kind, dir, async (s) => {
          const t0 = performance.now();
          const results = await Promise.all(ctx.images.small.map((img, i) => {
            const [c, a] = pushCmd('skopeo', ctx.tools, img.dir, img.tag, s.host, `bench/small-${i}`);
            return run(c, a);
          }));
          const seconds = (performance.now() - t0) / 1000;
          results.forEach((res, i) => check(res, `skopeo push #${i}`));
          return seconds;
        });
      } finally { rmSync(dir, { recursive: true, force: true }); }
    }, noSkopeo));
    ctx.addRow({ figure: `${n} concurrent pushes (skopeo, ${ctx.sizes.smallLabel} each)`, unit: 's', ...r, peerName: 'docker-registry', target: { ratio: 1 } });
  }
}
