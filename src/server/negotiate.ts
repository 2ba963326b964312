import type { IncomingMessage } from 'node:http';
import type { Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import { MediaType } from '../oci/mediatypes.js';
import { platformMatches } from '../oci/platform.js';
import type { StoredManifest } from '../storage/manifest-store.js';
import { acceptedTypes } from './http.js';

/**
 * Manifest content negotiation as distribution does it: an OCI manifest or index is 404 unless
 * its type is accepted (`*∕*` counts as accepting everything); a Docker manifest list fetched by
 * tag without the list type accepted is replaced by its linux/amd64 child (when that child's type
 * is accepted, or no Accept was sent).
 */
export async function negotiate(
  req: IncomingMessage,
  m: StoredManifest,
  byTag: boolean,
  load: (d: Digest) => Promise<StoredManifest>,
): Promise<StoredManifest> {
  const accepts = acceptedTypes(req);
  const ok = (t: string): boolean => accepts.includes(t) || accepts.includes('*/*');
  if ((m.mediaType === MediaType.OciManifest || m.mediaType === MediaType.OciIndex) && !ok(m.mediaType)) {
    throw new RegistryError('MANIFEST_UNKNOWN', `manifest is ${m.mediaType}, which the Accept header does not allow`, { digest: m.digest });
  }
  if (m.mediaType === MediaType.DockerManifestList && byTag && !ok(m.mediaType) && m.parsed?.kind === 'index') {
    const child = m.parsed.manifest.manifests.find((d) => platformMatches({ os: 'linux', architecture: 'amd64' }, d.platform));
    if (!child) throw new RegistryError('MANIFEST_UNKNOWN', 'manifest list has no linux/amd64 entry and the Accept header does not allow lists', { digest: m.digest });
    const c = await load(child.digest);
    // No Accept at all: the child (what distribution v3 does). Otherwise the child's type must be accepted.
    if (accepts.length > 0 && !ok(c.mediaType)) {
      throw new RegistryError('MANIFEST_UNKNOWN', `neither the manifest list nor its linux/amd64 image (${c.mediaType}) is in Accept`, { digest: m.digest });
    }
    return c;
  }
  return m;
}
