import type { RepositoryOptions } from '../client/repository.js';
import { listsReferrers } from '../content/target.js';
import { UsageError } from '../errors/errors.js';
import type { Descriptor } from '../oci/types.js';
import { openSource } from './endpoints.js';

export interface ReferrersOfResult {
  subject: Descriptor;
  referrers: Descriptor[];
}

/**
 * `dist referrers` (oras discover): the manifests whose `subject` is the image `reference` names,
 * on a registry (referrers API, else the fallback tag) or in an OCI layout.
 */
export async function referrersOf(reference: string, o: RepositoryOptions & { artifactType?: string; signal?: AbortSignal } = {}): Promise<ReferrersOfResult> {
  const src = await openSource(reference, o);
  if (!listsReferrers(src.target)) throw new UsageError(`${reference}: a docker-archive holds no referrers (a registry, an OCI layout or an OCI archive does)`);
  const subject = await src.target.resolve(src.reference, { signal: o.signal });
  const referrers = await src.target.referrers(subject.digest, { artifactType: o.artifactType, signal: o.signal });
  return { subject, referrers };
}
