import { isLocalSpec, outputFormat, parseLocalSpec } from '../content/local.js';
import type { LocalFormat } from '../content/local.js';
import { ALGORITHMS } from '../digest/digest.js';
import { UsageError } from '../errors/errors.js';
import { parseReference } from '../ref/reference.js';

/** The part of a spec that names one image (tag, digest, `name:tag` in an archive), or ''. */
async function imagePart(spec: string, local: boolean): Promise<string> {
  if (local) return (await parseLocalSpec(spec)).reference;
  const r = parseReference(spec, { defaultTag: false });
  return r.tag ?? r.digest ?? '';
}

function refuseTagged(spec: string, side: string, part: string): void {
  if (part) throw new UsageError(`--all-tags: the ${side} "${spec}" names one image; give the repository (or layout) without :tag or @digest`);
}

/**
 * Every usage check of `copy --all-tags`, before any network I/O or file creation: SRC and DST
 * name no image (with `--format` DST is local, so a `:tag` there is one too), and a docker-archive
 * destination needs a registry source (its RepoTags are `repository:tag`) and takes no referrers.
 */
export async function checkAllTags(source: string, destination: string, o: { format?: LocalFormat; referrers?: boolean }): Promise<void> {
  const srcLocal = await isLocalSpec(source);
  refuseTagged(source, 'source', await imagePart(source, srcLocal));
  const dstLocal = !!o.format || (await isLocalSpec(destination));
  refuseTagged(destination, 'destination', await imagePart(destination, dstLocal));
  if (!dstLocal) return;
  const local = await parseLocalSpec(destination);
  if (outputFormat(local.path, o.format ?? local.format) !== 'docker-archive') return;
  if (o.referrers) throw new UsageError('--referrers: a docker-archive cannot hold referrers; use an OCI layout or OCI archive');
  if (srcLocal) {
    throw new UsageError(
      `--all-tags: a docker-archive names its images repository:tag, and ${source} is not a registry repository; ` +
        'write an OCI archive (--format oci-archive) or an OCI layout, or copy from a registry',
    );
  }
}

const REFERRERS_TAG = new RegExp(`^(?:${Object.keys(ALGORITHMS).join('|')})-[0-9a-f]{64}$`);

/**
 * A tag of the OCI 1.1 referrers tag schema (`<alg>-<hex>`, see referrersTag in
 * src/client/referrers.ts): a registry's fallback index of referrers, not an image. cosign's
 * `sha256-<hex>.sig` / `.att` tags are images and do not match.
 */
export const isReferrersTag = (tag: string): boolean => REFERRERS_TAG.test(tag);
