import { execFileSync, spawnSync } from 'node:child_process';

export function hasBinary(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Make sure `bins` exist, installing `pkgs` with apt-get when one is missing (CI runs as root).
 * Throws (so the test fails, never skips) when that is impossible.
 */
export function ensurePackages(bins: string[], pkgs: string[]): void {
  const missing = bins.filter((b) => !hasBinary(b));
  if (missing.length === 0) return;
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`missing ${missing.join(', ')}; install with: sudo sh -c '${cmd}'`);
  process.stderr.write(`installing ${pkgs.join(' ')} with apt-get\n`);
  const log = `/tmp/dist-interop-apt-${pkgs[0]}.log`;
  execFileSync('sh', ['-c', `(${cmd}) >${log} 2>&1`], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  const still = bins.filter((b) => !hasBinary(b));
  if (still.length) throw new Error(`still missing after apt-get: ${still.join(', ')} (see ${log})`);
}
