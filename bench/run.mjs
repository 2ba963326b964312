#!/usr/bin/env node
// npm run bench: dist against skopeo and docker-registry (distribution 2.8), side by side, on loopback.
// See bench/README.md. Installs nothing; a missing peer is reported with its install command and its rows skipped.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, sizesFor, USAGE } from './lib/args.mjs';
import { ensureImage } from './lib/image.mjs';
import { killAll } from './lib/proc.mjs';
import { seedRegistry } from './lib/seed.mjs';
import { formatMarkdown, formatTable } from './lib/stats.mjs';
import { detect } from './lib/tools.mjs';
import { memoryFigures } from './lib/figures/memory.mjs';
import { s3Figures } from './lib/figures/s3.mjs';
import { servingFigures } from './lib/figures/serving.mjs';
import { startupFigures } from './lib/figures/startup.mjs';
import { transferFigures } from './lib/figures/transfer.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const T0 = performance.now();
const log = (msg) => process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });

async function images(ctx, groups) {
  const base = join(ROOT, 'bench', '.work', 'images', ctx.opts.quick ? 'quick' : 'full');
  const s = ctx.sizes;
  const need = (...gs) => gs.some((g) => groups.has(g));
  const im = {};
  const make = async (name, dir, [layers, layerSize], label) => {
    log(`image ${name}: ${layers} x ${layerSize} bytes (cached in ${dir})`);
    return ensureImage(dir, { layers, layerSize, label });
  };
  if (need('pull', 'push', 'repush', 'copy', 'manifest')) im.big = await make('big', join(base, 'big'), s.big, 'big');
  if (need('blob')) im.blobs16 = await make('blobs', join(base, 'blobs'), s.blobs, 'blobs');
  if (need('memory')) im.huge = await make('huge', join(base, 'huge'), s.huge, 'huge');
  if (need('pushes')) {
    im.small = [];
    for (let i = 0; i < s.small[0]; i++) im.small.push(await ensureImage(join(base, `small-${i}`), { layers: 1, layerSize: s.small[1], label: `small-${i}` }));
  }
  return im;
}

async function main() {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) { process.stderr.write(`bench: ${e.message}\n${USAGE}\n`); return 2; }
  if (opts.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  // One work dir per run (two benches at once must not delete each other's data); stale ones are swept.
  const base = join(ROOT, 'bench', '.work');
  mkdirSync(base, { recursive: true });
  for (const d of readdirSync(base)) {
    const m = /^run-(\d+)$/.exec(d);
    if (m && !alive(Number(m[1]))) rmSync(join(base, d), { recursive: true, force: true });
  }
  const work = join(base, `run-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'logs'), { recursive: true });
  const { tools, avail, missing } = await detect(ROOT, join(work, 'dist'));
  for (const m of missing) log(`MISSING ${m.name}: its rows are skipped. Install with: ${m.install}`);
  if (!avail.distBuild) log('dist is not built: run `npm run build` (npm run bench does it)');
  log(`dist: serve ${avail.distServer ? 'yes' : 'not available'}, pull/push ${avail.distClient ? 'yes' : 'not available'}, copy ${avail.distCopy ? 'yes' : 'not available'}`);
  const rows = [];
  const ctx = {
    opts, work, tools, avail, log, sizes: sizesFor(opts.quick), sharedDir: join(work, 'shared'),
    addRow: (r) => {
      rows.push(r);
      // each run's value too (in run order), so an outlying run can be told from a steady difference
      const runs = (side) => (r.samples?.[side]?.length > 1 ? ` [${r.samples[side].map(fmt).join(', ')}]` : '');
      log(`  ${r.figure}: dist ${fmt(r.dist)}${runs('dist')} | peer ${fmt(r.peer)}${runs('peer')}`);
    },
  };
  const groups = opts.only;
  const load0 = loadavg()[0];
  ctx.images = await images(ctx, groups);
  if (ctx.images.big) seedRegistry(ctx.sharedDir, 'bench/big', ctx.images.big);
  if (ctx.images.blobs16) seedRegistry(ctx.sharedDir, 'bench/blobs', ctx.images.blobs16);
  if (groups.has('startup')) { log('start-up'); await startupFigures(ctx); }
  if (['pull', 'push', 'repush', 'copy'].some((g) => groups.has(g))) { log('pull / push / re-push / copy'); await transferFigures(ctx, groups); }
  if (['manifest', 'blob', 'pushes'].some((g) => groups.has(g))) { log('serving'); await servingFigures(ctx, groups); }
  if (groups.has('memory')) { log('memory'); await memoryFigures(ctx); }
  if (groups.has('s3')) { log('S3: dist serve vs docker-registry on one Ceph gateway'); await s3Figures(ctx, ROOT); }

  const secs = (performance.now() - T0) / 1000;
  const note = `${cpus().length} cores, load average ${load0.toFixed(2)} at start / ${loadavg()[0].toFixed(2)} at end; ` +
    `${opts.quick ? 'QUICK mode (small sizes), ' : ''}median of ${opts.runs} run(s) (memory: ${opts.memRuns}), dist and peer alternating; ${secs.toFixed(0)} s total`;
  const table = formatTable(rows);
  process.stdout.write(`\n${table}\n\nratio = dist's advantage (>1 = dist better: dist/peer for throughput, peer/dist for time, latency, memory)\n${note}\n`);
  writeFileSync(join(ROOT, 'bench', '.work', 'last-table.md'), `${formatMarkdown(rows)}\n\n${note}\n`);
  writeFileSync(join(ROOT, 'bench', '.work', 'last-results.json'), JSON.stringify({ date: new Date().toISOString(), opts: { ...opts, only: [...opts.only] }, note, rows }, null, 2));
  if (opts.keep) log(`work directory kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
  return 0;
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

function fmt(v) {
  return typeof v === 'number' ? v.toFixed(2) : String(v);
}

main().then((code) => { process.exitCode = code; }, (e) => { killAll(); process.stderr.write(`bench: ${e.stack ?? e}\n`); process.exitCode = 1; });
