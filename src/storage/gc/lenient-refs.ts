import { isDigest, type Digest } from '../../digest/digest.js';

const MAX_DEPTH = 64;

/**
 * Every digest a JSON manifest names in a `digest` or `blobSum` field, at any depth, and its
 * `subject`. GC reads a stored manifest this way when the strict parser refuses it (a data
 * directory written by another registry, or before a validation was tightened): what such a
 * manifest references must stay, so GC over-keeps rather than deletes a layer still in use.
 */
export function lenientReferences(doc: unknown): { refs: Digest[]; subject?: Digest } {
  const refs = new Set<Digest>();
  let subject: Digest | undefined;
  const walk = (v: unknown, depth: number, key: string | undefined): void => {
    if (depth > MAX_DEPTH || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1, key);
      return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if ((k === 'digest' || k === 'blobSum') && typeof x === 'string' && isDigest(x)) {
        if (key === 'subject' && depth === 1) subject = x;
        else refs.add(x);
      } else walk(x, depth + 1, k);
    }
  };
  walk(doc, 0, undefined);
  return { refs: [...refs], subject };
}
