import { algorithmOf, encodedOf, type Digest } from '../../digest/digest.js';

/**
 * The OCI image layout (image-spec v1.1 image-layout.md), plus dist's ingest area:
 *
 *   <root>/oci-layout              {"imageLayoutVersion":"1.0.0"}
 *   <root>/index.json              image index; tags as org.opencontainers.image.ref.name
 *   <root>/blobs/<alg>/<hex>       verified content only (written by rename after verification)
 *   <root>/.dist-ingest/           partial downloads (<alg>-<hex>.partial, resumable) and their locks
 */
export const OCI_LAYOUT_FILE = 'oci-layout';
export const INDEX_FILE = 'index.json';
export const INGEST_DIR = '.dist-ingest';
export const LAYOUT_VERSION = '1.0.0';

export function blobName(d: Digest): string {
  return `blobs/${algorithmOf(d)}/${encodedOf(d)}`;
}

export function partialName(d: Digest): string {
  return `${INGEST_DIR}/${algorithmOf(d)}-${encodedOf(d)}.partial`;
}
