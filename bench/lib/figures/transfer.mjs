// Pull, push, re-push (no-op) and repository-to-repository copy: dist vs skopeo on the same registry.
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { copyCmd, pullCmd, pushCmd } from '../clients.mjs';
import { check, measureMany, measurePair } from '../pair.mjs';
import { httpStatus, run } from '../proc.mjs';
import { startServer } from '../servers.mjs';
import { mibps } from '../stats.mjs';
import { OCI_MANIFEST } from '../image.mjs';

const SERVERS = [['docker-registry', 'docker-registry'], ['dist', 'dist serve']];

/** Why a server kind cannot run here, or undefined. */
export function serverMissing(ctx, kind) {
  if (kind === 'dist') return ctx.avail.distServer ? undefined : 'not available';
  return ctx.avail.registry ? undefined : 'missing: docker-registry';
}

/** The two client sides for a row, as functions or the reason they are absent. */
function clientSides(ctx, serverKind, fn, distKey = 'distClient', down = undefined) {
  const why = serverMissing(ctx, serverKind) ?? down;
  return {
    dist: why ?? (ctx.avail[distKey] ? () => fn('dist') : 'not available'),
    peer: why ?? (ctx.avail.skopeo ? () => fn('skopeo') : 'missing: skopeo'),
  };
}

function verifyLayout(dir, image) {
  for (const b of image.blobs) {
    const p = join(dir, 'blobs', 'sha256', b.digest.slice(7));
    if (!existsSync(p) || statSync(p).size !== b.size) throw new Error(`pulled layout lacks ${b.digest} (${b.size} bytes)`);
  }
}

async function verifyManifest(host, repo, tag) {
  const s = await httpStatus(`http://${host}/v2/${repo}/manifests/${tag}`, 5000, { accept: OCI_MANIFEST });
  if (s !== 200) throw new Error(`after the push, GET ${repo}:${tag} answered ${s}`);
}

/** Run a client command, with its CPU time when /usr/bin/time exists (CPU time is robust on a busy machine). */
function timedRun(ctx, cmd, args) {
  return ctx.avail.time ? run(cmd, args, { rss: true, rssFile: join(ctx.work, `time-${process.pid}.txt`) }) : run(cmd, args);
}

async function onServer(ctx, kind, dataDir, fn) {
  if (serverMissing(ctx, kind)) return fn(undefined);
  const s = await startServer(kind, dataDir, { workDir: join(ctx.work, 'logs'), tools: ctx.tools });
  try { return await fn(s); } finally { await s.stop(); }
}

/** Like onServer, but a server that fails to start makes its rows say so instead of aborting the bench. */
async function onSharedServer(ctx, kind, fn) {
  if (serverMissing(ctx, kind)) return fn(undefined, undefined);
  let s;
  try {
    s = await startServer(kind, ctx.sharedDir, { workDir: join(ctx.work, 'logs'), tools: ctx.tools });
  } catch (e) {
    ctx.log(`  ${e.message}`);
    return fn(undefined, 'failed: server did not start');
  }
  try { return await fn(s, undefined); } finally { await s.stop(); }
}

/** Pull, re-push and copy rows against the shared (seeded) data dir, then push-to-empty rows. */
export async function transferFigures(ctx, groups) {
  const img = ctx.images.big;
  const what = ctx.sizes.bigLabel;
  for (const [kind, name] of SERVERS) {
    await onSharedServer(ctx, kind, async (s, down) => {
      const host = s?.host;
      if (groups.has('pull')) {
        const out = join(ctx.work, 'pull-out');
        const r = await measureMany(ctx, `pull ← ${name}`, ['mibps', 'cpu', 'server'], clientSides(ctx, kind, async (client) => {
          rmSync(out, { recursive: true, force: true });
          const [c, a] = pullCmd(client, ctx.tools, host, 'bench/big', img.tag, out);
          const before = s.cpu();
          const res = check(await timedRun(ctx, c, a), `${client} pull`);
          const server = s.cpu() - before;
          verifyLayout(out, img);
          rmSync(out, { recursive: true, force: true });
          return { mibps: mibps(img.bytes, res.seconds), cpu: res.cpuSeconds, server };
        }, 'distClient', down));
        ctx.addRow({ figure: `pull ${what} from ${name}`, unit: 'MiB/s', ...r.mibps, peerName: 'skopeo', target: { ratio: 2 } });
        ctx.addRow({ figure: `  client CPU time (user+sys) of that pull`, unit: 's', ...r.cpu, peerName: 'skopeo' });
        ctx.addRow({ figure: `  ${name} CPU time serving that pull`, unit: 's', ...r.server, peerName: 'skopeo' });
      }
      if (groups.has('repush')) {
        const r = await measurePair(ctx, `re-push → ${name}`, clientSides(ctx, kind, async (client) => {
          const [c, a] = pushCmd(client, ctx.tools, img.dir, img.tag, host, 'bench/big');
          return check(await run(c, a), `${client} re-push`).seconds;
        }, 'distClient', down));
        ctx.addRow({ figure: `re-push no-op to ${name}`, unit: 's', ...r, peerName: 'skopeo' });
      }
      if (groups.has('copy')) {
        const r = await measurePair(ctx, `copy in ${name}`, clientSides(ctx, kind, async (client) => {
          const to = `bench/copy-${client}-${Date.now().toString(36)}`;
          const [c, a] = copyCmd(client, ctx.tools, host, 'bench/big', to, img.tag);
          const res = check(await run(c, a), `${client} copy`);
          await verifyManifest(host, to, img.tag);
          return res.seconds;
        }, 'distCopy', down));
        ctx.addRow({ figure: `copy repo→repo ${what} in ${name}`, unit: 's', ...r, peerName: 'skopeo' });
      }
    });
  }
  if (!groups.has('push')) return;
  for (const [kind, name] of SERVERS) {
    const r = await measureMany(ctx, `push → ${name}`, ['mibps', 'cpu', 'server'], clientSides(ctx, kind, async (client) => {
      const dir = join(ctx.work, `push-${kind}-${client}`);
      rmSync(dir, { recursive: true, force: true });
      try {
        return await onServer(ctx, kind, dir, async (s) => {
          const [c, a] = pushCmd(client, ctx.tools, img.dir, img.tag, s.host, 'bench/big');
          const before = s.cpu();
          const res = check(await timedRun(ctx, c, a), `${client} push`);
          const server = s.cpu() - before;
          await verifyManifest(s.host, 'bench/big', img.tag);
          return { mibps: mibps(img.bytes, res.seconds), cpu: res.cpuSeconds, server };
        });
      } finally { rmSync(dir, { recursive: true, force: true }); }
    }));
    ctx.addRow({ figure: `push ${what} to empty ${name}`, unit: 'MiB/s', ...r.mibps, peerName: 'skopeo', target: { ratio: 2 } });
    ctx.addRow({ figure: `  client CPU time (user+sys) of that push`, unit: 's', ...r.cpu, peerName: 'skopeo' });
    // The registry under test shares the two cores: its CPU per GiB bounds how fast any client can go.
    ctx.addRow({ figure: `  ${name} CPU time receiving that push`, unit: 's', ...r.server, peerName: 'skopeo' });
  }
}
