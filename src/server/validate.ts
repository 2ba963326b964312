import { isDigest, isTarsumDigest, parseDigest, type Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import { isRepositoryName, isTag } from '../ref/grammar.js';

/** Validate a repository name from the URL before anything touches storage. */
export function checkName(name: string | undefined): string {
  if (name === undefined || !isRepositoryName(name)) {
    throw new RegistryError('NAME_INVALID', `invalid repository name "${(name ?? '').slice(0, 300)}"`, { name: (name ?? '').slice(0, 300) });
  }
  return name;
}

export function checkDigest(d: string | undefined | null): Digest {
  return parseDigest(d ?? '');
}

/** A blob digest, or a legacy `tarsum.*` digest (V2.0 clients; resolved through the repository's alias link). */
export function checkBlobDigest(d: string | undefined | null): Digest {
  return d && isTarsumDigest(d) ? (d as Digest) : parseDigest(d ?? '');
}

/** A tag (from the path or a `?tag=` parameter). */
export function checkTag(t: string): string {
  if (!isTag(t)) throw new RegistryError('TAG_INVALID', `invalid tag "${t.slice(0, 200)}"`, { tag: t.slice(0, 200) });
  return t;
}

/** A manifest reference: a digest when it looks like one, else a tag. */
export function checkReference(ref: string | undefined): { digest: Digest } | { tag: string } {
  const r = ref ?? '';
  if (isDigest(r)) return { digest: r };
  if (r.includes(':')) return { digest: parseDigest(r) };
  return { tag: checkTag(r) };
}

/** Parse `n` of a paginated listing. */
export function checkPageSize(n: string | null, dflt: number, max: number): number {
  if (n === null || n === '') return dflt;
  if (!/^\d{1,9}$/.test(n)) throw new RegistryError('PAGINATION_NUMBER_INVALID', undefined, { n: n.slice(0, 50) });
  const v = Number(n);
  if (v > max) throw new RegistryError('PAGINATION_NUMBER_INVALID', `n must be at most ${max}`, { n: v });
  return v;
}
