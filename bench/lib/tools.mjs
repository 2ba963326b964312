// Which peers and which parts of dist exist on this machine; nothing is installed, only reported.
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { run, which } from './proc.mjs';

export const INSTALL = {
  skopeo: 'apt-get install -y --no-install-recommends skopeo',
  'docker-registry': 'apt-get install -y --no-install-recommends docker-registry',
  wrk: 'apt-get install -y --no-install-recommends wrk',
  '/usr/bin/time': 'apt-get install -y --no-install-recommends time',
};

/** The subcommands `dist --help` lists (a stub command file registers nothing, so it is absent). */
async function commands(distBin) {
  const r = await run(process.execPath, [distBin, '--help'], { timeoutMs: 20_000 });
  const section = r.stdout.split(/^Commands:$/m)[1] ?? '';
  return new Set([...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]));
}

/**
 * Copy the built dist (build/, bin/, package.json; node_modules linked) to `dest`, so the whole run measures
 * one build even if `npm run build` rewrites build/ meanwhile. Returns the snapshot's bin/dist.js.
 */
export function snapshotDist(repoRoot, dest) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(join(dest, 'bin'), { recursive: true });
  cpSync(join(repoRoot, 'build'), join(dest, 'build'), { recursive: true, filter: (p) => !p.endsWith('.map') && !p.endsWith('.d.ts') });
  cpSync(join(repoRoot, 'bin', 'dist.js'), join(dest, 'bin', 'dist.js'));
  cpSync(join(repoRoot, 'package.json'), join(dest, 'package.json'));
  symlinkSync(join(repoRoot, 'node_modules'), join(dest, 'node_modules'), 'dir');
  return join(dest, 'bin', 'dist.js');
}

/** Resolve tools; returns { tools, avail, missing: [{ name, install }] }. */
export async function detect(repoRoot, snapshotDir) {
  const distBuild = existsSync(join(repoRoot, 'build', 'cli', 'main.js'));
  const distBin = distBuild && snapshotDir ? snapshotDist(repoRoot, snapshotDir) : join(repoRoot, 'bin', 'dist.js');
  const tools = { skopeo: which('skopeo'), dockerRegistry: which('docker-registry'), wrk: which('wrk'), time: which('/usr/bin/time'), distBin };
  const cmds = distBuild ? await commands(distBin) : new Set();
  const registered = async (_bin, c) => cmds.has(c);
  const avail = {
    skopeo: !!tools.skopeo, registry: !!tools.dockerRegistry, wrk: !!tools.wrk, time: !!tools.time, distBuild,
    distServer: distBuild && (await registered(distBin, 'serve')),
    distClient: distBuild && (await registered(distBin, 'pull')) && (await registered(distBin, 'push')),
    distCopy: distBuild && (await registered(distBin, 'copy')),
  };
  const missing = [];
  if (!avail.skopeo) missing.push({ name: 'skopeo', install: INSTALL.skopeo });
  if (!avail.registry) missing.push({ name: 'docker-registry', install: INSTALL['docker-registry'] });
  if (!avail.wrk) missing.push({ name: 'wrk', install: INSTALL.wrk });
  if (!avail.time) missing.push({ name: '/usr/bin/time', install: INSTALL['/usr/bin/time'] });
  return { tools, avail, missing };
}
