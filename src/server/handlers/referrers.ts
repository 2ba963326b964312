import { MediaType } from '../../oci/mediatypes.js';
import type { Handler } from '../context.js';
import { sendJSON } from '../http.js';
import { checkDigest, checkName } from '../validate.js';

/** `GET /v2/<name>/referrers/<digest>[?artifactType=]`: an OCI index, never 404. */
export const listReferrers: Handler = async ({ res, params, query, storage }) => {
  const name = checkName(params.name);
  const digest = checkDigest(params.digest);
  const artifactType = query.get('artifactType') ?? undefined;
  const manifests = await storage.referrers.list(name, digest, artifactType);
  const headers: Record<string, string> = artifactType !== undefined ? { 'OCI-Filters-Applied': 'artifactType' } : {};
  sendJSON(res, 200, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }, headers, MediaType.OciIndex);
};
