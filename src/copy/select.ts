import { CopyError } from '../errors/errors.js';
import { formatPlatform, platformMatches } from '../oci/platform.js';
import type { Descriptor, ImageIndex, Platform } from '../oci/types.js';

/** The host's platform in OCI terms (`linux/amd64`, `linux/arm64/v8`, …). */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const p: Platform = { os: 'linux', architecture: arch[process.arch] ?? process.arch };
  if (p.architecture === 'arm64') p.variant = 'v8';
  return p;
}

/** Pick the manifest of an index for a platform; fails on the source side listing what exists. */
export function selectPlatform(index: ImageIndex, want: Platform): Descriptor {
  const hit = index.manifests.find((d) => platformMatches(want, d.platform));
  if (hit) return hit;
  const have = index.manifests.flatMap((d) => (d.platform ? [formatPlatform(d.platform)] : [])).join(', ') || 'none';
  throw new CopyError('source', `no manifest for platform ${formatPlatform(want)} in the index (available: ${have})`);
}
