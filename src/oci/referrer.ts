import type { Digest } from '../digest/digest.js';
import type { ParsedManifest } from './manifest.js';
import { MediaType } from './mediatypes.js';
import type { Descriptor } from './types.js';

/**
 * How a manifest with a `subject` is listed among its subject's referrers (OCI distribution 1.1):
 * its descriptor with `artifactType` (the manifest's, else its config's media type) and its
 * annotations. One definition for the server's referrers API, the client's fallback tag index
 * and the OCI layout.
 */
export function referrerDescriptor(parsed: ParsedManifest, digest: Digest, size: number): Descriptor | undefined {
  if (parsed.kind === 'schema1') return undefined;
  const artifactType = parsed.manifest.artifactType ?? (parsed.kind === 'image' ? parsed.manifest.config.mediaType : undefined);
  const descriptor: Descriptor = { mediaType: parsed.mediaType ?? MediaType.OciManifest, digest, size };
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  if (parsed.manifest.annotations) descriptor.annotations = parsed.manifest.annotations;
  return descriptor;
}
