// Start-up: `dist --version` vs `skopeo --version`, and time until `GET /v2/` answers.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { check, measurePair } from '../pair.mjs';
import { run } from '../proc.mjs';
import { startServer } from '../servers.mjs';
import { serverMissing } from './transfer.mjs';

export async function startupFigures(ctx) {
  const n = ctx.opts.quick ? 3 : 9;
  const version = (cmd, args) => async () => check(await run(cmd, args), `${cmd} --version`).seconds * 1000;
  const v = await measurePair(ctx, '--version', {
    dist: ctx.avail.distBuild ? version(process.execPath, [ctx.tools.distBin, '--version']) : 'not built',
    peer: ctx.avail.skopeo ? version(ctx.tools.skopeo, ['--version']) : 'missing: skopeo',
  }, n);
  ctx.addRow({ figure: 'start-up: --version', unit: 'ms', ...v, peerName: 'skopeo', target: { max: 150, unit: 'ms' } });
  // Reference: what Node itself costs to start on this machine right now (dist cannot go below it).
  const floor = await measurePair(ctx, 'node -e 0', { dist: version(process.execPath, ['-e', '0']), peer: '-' }, n);
  ctx.addRow({ figure: 'start-up: bare `node -e 0` (reference)', unit: 'ms', ...floor });

  const ready = (kind) => serverMissing(ctx, kind) ?? (async (i) => {
    const dir = join(ctx.work, `ready-${kind}-${i}`);
    const s = await startServer(kind, dir, { workDir: join(ctx.work, 'logs'), tools: ctx.tools });
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
    return s.readyMs;
  });
  const r = await measurePair(ctx, 'serve ready', { dist: ready('dist'), peer: ready('docker-registry') }, n);
  ctx.addRow({ figure: 'start-up: server ready to answer', unit: 'ms', ...r, peerName: 'docker-registry' });
}
