import { randomBytes } from 'node:crypto';
import { digestOf, type Digest } from '../../src/digest/digest.js';
import type { Descriptor } from '../../src/oci/types.js';

export interface TinyImage {
  config: { desc: Descriptor; bytes: Buffer };
  layers: Array<{ desc: Descriptor; bytes: Buffer }>;
  manifest: { desc: Descriptor; bytes: Buffer };
}

/** A small OCI image (random layer bytes; not a real tar, registries do not care) for client tests. */
export function tinyImage(layerSizes: number[] = [1024], seed = ''): TinyImage {
  const cfgBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed: seed || randomBytes(4).toString('hex') }));
  const config = { desc: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(cfgBytes), size: cfgBytes.length }, bytes: cfgBytes };
  const layers = layerSizes.map((n) => {
    const bytes = randomBytes(n);
    return { desc: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(bytes) as Digest, size: n }, bytes };
  });
  const m = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: config.desc, layers: layers.map((l) => l.desc) }));
  return { config, layers, manifest: { desc: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(m), size: m.length }, bytes: m } };
}
