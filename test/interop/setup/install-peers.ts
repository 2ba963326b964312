import { execFileSync, spawnSync } from 'node:child_process';

/** The Debian packages the interop suite drives, and the binary that proves each is there. */
export const PEERS: Array<{ bin: string; pkg: string }> = [
  { bin: 'skopeo', pkg: 'skopeo' },
  { bin: 'docker-registry', pkg: 'docker-registry' },
  { bin: 'podman', pkg: 'podman' },
  { bin: 'htpasswd', pkg: 'apache2-utils' },
  { bin: 'openssl', pkg: 'openssl' },
];

function has(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/** vitest globalSetup: install missing peers with apt-get (as CI runs as root), or fail saying how. */
export default function setup(): void {
  const missing = PEERS.filter((p) => !has(p.bin));
  if (missing.length === 0) return;
  const pkgs = missing.map((p) => p.pkg);
  const hint = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`interop peers missing (${missing.map((p) => p.bin).join(', ')}); install them with: sudo ${hint}`);
  process.stderr.write(`installing interop peers: ${pkgs.join(' ')}\n`);
  execFileSync('sh', ['-c', `${hint} >/tmp/dist-interop-apt.log 2>&1`], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const still = missing.filter((p) => !has(p.bin));
  if (still.length) throw new Error(`interop peers still missing after apt-get: ${still.map((p) => p.bin).join(', ')} (see /tmp/dist-interop-apt.log)`);
}
