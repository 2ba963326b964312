import { isDigest, type Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import type { Descriptor } from '../oci/types.js';
import { discard, header, headerAll, readCapped } from '../transport/types.js';
import { MAX_MANIFEST_BYTES } from '../content/target.js';
import type { RepoContext } from './context.js';
import { responseError } from './errors.js';
import { nextLink } from './link.js';
import { ManifestClient } from './manifests.js';
import { routes } from './routes.js';

/** The fallback tag for referrers of `digest` (OCI 1.1): `<alg>-<encoded>`, truncated and sanitised. */
export function referrersTag(digest: Digest): string {
  const [alg, enc] = digest.split(':') as [string, string];
  return `${alg.slice(0, 32)}-${enc.slice(0, 64)}`.replace(/[^a-zA-Z0-9._-]/g, '-');
}

export const isDescriptor = (d: unknown): d is Descriptor => {
  const x = d as Partial<Descriptor> | null;
  return !!x && typeof x === 'object' && typeof x.mediaType === 'string' && isDigest(x.digest) && Number.isSafeInteger(x.size) && x.size! >= 0;
};

function manifestsOf(body: Buffer): Descriptor[] {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    v = undefined;
  }
  const list = v !== null && typeof v === 'object' ? (v as { manifests?: unknown }).manifests : null;
  if (list === undefined) return [];
  if (!Array.isArray(list) || !list.every(isDescriptor)) throw new RegistryError('MANIFEST_INVALID', 'referrers: registry sent an invalid index');
  return list;
}

/**
 * Manifests whose `subject` is `digest`: the referrers API when the registry has it, else the
 * fallback tag schema. `artifactType` filters (client-side when the registry did not).
 */
export async function listReferrers(ctx: RepoContext, digest: Digest, opts: { artifactType?: string; signal?: AbortSignal } = {}): Promise<Descriptor[]> {
  const filter = (list: Descriptor[], applied: boolean): Descriptor[] =>
    opts.artifactType && !applied ? list.filter((d) => d.artifactType === opts.artifactType) : list;
  let url: URL | undefined = routes.referrers(ctx.origin, ctx.repository, digest);
  if (opts.artifactType) url.searchParams.set('artifactType', opts.artifactType);
  const out: Descriptor[] = [];
  const scopes = [`repository:${ctx.repository}:pull`];
  let first = true;
  const seen = new Set<string>();
  const listed = new Set<string>();
  while (url) {
    // a Link back to a page already read, or to pages that bring nothing new, must not loop forever
    if (seen.has(url.href)) throw new RegistryError('UNKNOWN', `referrers of ${digest}: pagination loops at ${url.pathname}${url.search}`);
    seen.add(url.href);
    const res = await ctx.send({ method: 'GET', url, headers: { accept: 'application/vnd.oci.image.index.v1+json' }, scopes, signal: opts.signal });
    if (first && (res.status === 404 || res.status === 405 || res.status === 400)) {
      await discard(res);
      return filter(await fallback(ctx, digest, opts.signal), false);
    }
    first = false;
    if (res.status !== 200) throw await responseError(res, `referrers of ${digest}`, 'NAME_UNKNOWN');
    const applied = (header(res, 'oci-filters-applied') ?? '').split(',').map((s) => s.trim()).includes('artifactType');
    const body = await readCapped(res.body, MAX_MANIFEST_BYTES);
    if (!body) throw new RegistryError('MANIFEST_TOO_BIG', `referrers of ${digest}: index too big`);
    const page = manifestsOf(body).filter((d) => !listed.has(d.digest) && listed.add(d.digest));
    out.push(...filter(page, applied));
    url = nextLink(headerAll(res, 'link'), url);
    if (url && !page.length) throw new RegistryError('UNKNOWN', `referrers of ${digest}: the registry links to another page but sent nothing new`);
  }
  return out;
}

async function fallback(ctx: RepoContext, digest: Digest, signal?: AbortSignal): Promise<Descriptor[]> {
  try {
    const m = await new ManifestClient(ctx).get(referrersTag(digest), { signal });
    return manifestsOf(m.bytes);
  } catch (e) {
    if (e instanceof RegistryError && (e.code === 'MANIFEST_UNKNOWN' || e.code === 'NAME_UNKNOWN')) return [];
    throw e;
  }
}
