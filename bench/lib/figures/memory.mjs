// Peak RSS of the clients pushing and pulling one big single-layer image, and of the server receiving it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pullCmd, pushCmd } from '../clients.mjs';
import { check, measureMany } from '../pair.mjs';
import { run } from '../proc.mjs';
import { startServer } from '../servers.mjs';

/** One pass: start `serverKind` on an empty dir, push the image with `pusher`, pull it with `puller`. */
async function pass(ctx, serverKind, pusher, puller, tag) {
  const img = ctx.images.huge;
  const dir = join(ctx.work, `mem-${tag}`);
  const out = join(ctx.work, `mem-${tag}-out`);
  rmSync(dir, { recursive: true, force: true });
  const s = await startServer(serverKind, dir, { workDir: join(ctx.work, 'logs'), tools: ctx.tools });
  const rssFile = join(ctx.work, `rss-${tag}.txt`);
  try {
    const [c, a] = pushCmd(pusher, ctx.tools, img.dir, img.tag, s.host, 'bench/huge');
    const p = check(await run(c, a, { rss: true, rssFile, timeoutMs: 600_000 }), `${pusher} push`);
    const serve = s.hwm();
    const r = { push: p.maxRssMiB, serve, pushSeconds: p.seconds };
    if (puller) {
      rmSync(out, { recursive: true, force: true });
      const [c2, a2] = pullCmd(puller, ctx.tools, s.host, 'bench/huge', img.tag, out);
      const q = check(await run(c2, a2, { rss: true, rssFile, timeoutMs: 600_000 }), `${puller} pull`);
      r.pull = q.maxRssMiB;
      r.pullSeconds = q.seconds;
    }
    return r;
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

export async function memoryFigures(ctx) {
  const a = ctx.avail;
  const label = ctx.sizes.hugeLabel;
  const miss = !a.time ? 'missing: /usr/bin/time' : undefined;
  const peer = miss ?? (!a.registry ? 'missing: docker-registry' : !a.skopeo ? 'missing: skopeo' : () => pass(ctx, 'docker-registry', 'skopeo', 'skopeo', 'peer'));
  // dist side: dist serve when it exists (else docker-registry), the dist client when it exists (else skopeo feeds dist serve).
  const serverKind = a.distServer ? 'dist' : a.registry ? 'docker-registry' : undefined;
  const pusher = a.distClient ? 'dist' : a.skopeo ? 'skopeo' : undefined;
  const usable = serverKind && pusher && (a.distClient || a.distServer);
  const dist = miss ?? (usable ? () => pass(ctx, serverKind, pusher, a.distClient ? 'dist' : undefined, 'dist') : 'not available');
  const r = await measureMany(ctx, 'memory', ['push', 'pull', 'serve', 'pushSeconds', 'pullSeconds'], { dist, peer }, ctx.opts.memRuns);
  if (!a.distClient) { r.push.dist = 'not available'; r.pull.dist = 'not available'; }
  if (!a.distServer) r.serve.dist = 'not available';
  const target = { max: 150, unit: 'MiB' };
  ctx.addRow({ figure: `peak RSS, push of ${label}`, unit: 'MiB', ...r.push, peerName: 'skopeo', target });
  ctx.addRow({ figure: `peak RSS, pull of ${label}`, unit: 'MiB', ...r.pull, peerName: 'skopeo', target });
  ctx.addRow({ figure: `peak RSS, server receiving ${label}`, unit: 'MiB', ...r.serve, peerName: 'docker-registry', target });
}
