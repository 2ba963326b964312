import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FixtureImage } from '../../helpers/layout-fixture.js';

/** Write an image as an OCI image layout directory (for skopeo `oci:DIR:TAG`). */
export function writeLayout(dir: string, img: FixtureImage, tag: string): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of img.blobs) writeFileSync(join(dir, 'blobs', 'sha256', b.desc.digest.slice(7)), b.bytes);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const desc = { ...img.manifest.desc, annotations: { 'org.opencontainers.image.ref.name': tag } };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [desc] }));
}
