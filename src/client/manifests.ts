import type { Readable } from 'node:stream';
import { digestOf, isDigest, algorithmOf, type Digest } from '../digest/digest.js';
import { DigestMismatchError, RegistryError, SizeMismatchError } from '../errors/errors.js';
import { MANIFEST_TYPES, SCHEMA1_TYPES } from '../oci/mediatypes.js';
import type { Descriptor } from '../oci/types.js';
import { MAX_MANIFEST_BYTES } from '../content/target.js';
import { discard, header, readCapped } from '../transport/types.js';
import { parsePrettySignature } from '../legacy/prettyjws.js';
import type { RepoContext } from './context.js';
import { responseError } from './errors.js';
import { routes } from './routes.js';

/** Always the full list: distribution 2.8 answers 404 to OCI manifests and converts to schema 1 otherwise. */
export const MANIFEST_ACCEPT = MANIFEST_TYPES.join(', ');

export interface FetchedManifest {
  descriptor: Descriptor;
  /** The exact bytes the registry served (never re-serialised). */
  bytes: Buffer;
}

function mediaTypeOf(contentType: string | undefined, bytes?: Buffer): string {
  const ct = contentType?.split(';')[0]?.trim();
  if (ct && ct !== 'application/json' && ct !== 'text/plain') return ct;
  if (bytes) {
    try {
      const v = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown; schemaVersion?: unknown };
      if (typeof v.mediaType === 'string') return v.mediaType;
      if (v.schemaVersion === 1) return SCHEMA1_TYPES[0]!;
      return Array.isArray(v.manifests) ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json';
    } catch { /* not JSON */ }
  }
  return ct ?? 'application/octet-stream';
}

/** The bytes a manifest digest covers: all of them, except for schema 1 signed (the JWS payload). */
function contentBytes(bytes: Buffer, mediaType: string): Buffer {
  if (!SCHEMA1_TYPES.includes(mediaType)) return bytes;
  try {
    return parsePrettySignature(bytes).payload;
  } catch {
    return bytes; // unsigned schema 1
  }
}

export interface PutManifestResult {
  digest: Digest;
  /** `OCI-Subject`: the registry has a referrers API and listed the manifest under this subject. */
  subject?: string;
}

/** Manifest endpoints: GET (verified, capped), HEAD, PUT, DELETE. */
export class ManifestClient {
  constructor(private readonly ctx: RepoContext) {}

  /** `repo:tag` or `repo@sha256:…`, for messages. */
  private named(reference: string): string {
    return `${this.ctx.repository}${isDigest(reference) ? '@' : ':'}${reference}`;
  }

  private url(reference: string): URL {
    return routes.manifest(this.ctx.origin, this.ctx.repository, reference);
  }

  /**
   * Fetch a manifest by tag or digest. Its digest is computed from the bytes; by digest it must
   * equal the reference, by tag it must equal `Docker-Content-Digest` when the registry sends one.
   */
  async get(reference: string, opts: { signal?: AbortSignal } = {}): Promise<FetchedManifest> {
    const res = await this.ctx.send({ method: 'GET', url: this.url(reference), headers: { accept: MANIFEST_ACCEPT }, scopes: [`repository:${this.ctx.repository}:pull`], signal: opts.signal });
    if (res.status !== 200) throw await responseError(res, `manifest ${this.named(reference)}`, 'MANIFEST_UNKNOWN');
    const declared = Number(header(res, 'content-length'));
    if (declared > MAX_MANIFEST_BYTES) {
      res.body.destroy();
      throw new RegistryError('MANIFEST_TOO_BIG', `manifest ${reference}: ${declared} bytes exceeds the ${MAX_MANIFEST_BYTES}-byte limit`);
    }
    const bytes = await readCapped(res.body, MAX_MANIFEST_BYTES);
    if (!bytes) throw new RegistryError('MANIFEST_TOO_BIG', `manifest ${reference}: exceeds the ${MAX_MANIFEST_BYTES}-byte limit`);
    const mediaType = mediaTypeOf(header(res, 'content-type'), bytes);
    const what = `manifest ${this.ctx.repository}@${reference}`;
    const hashed = contentBytes(bytes, mediaType);
    let digest: Digest;
    if (isDigest(reference)) {
      digest = reference;
      const actual = digestOf(hashed, algorithmOf(reference));
      if (actual !== reference) throw new DigestMismatchError(reference, actual, what);
    } else {
      digest = digestOf(hashed);
      const claimed = header(res, 'docker-content-digest');
      if (claimed && isDigest(claimed)) {
        const mine = algorithmOf(claimed) === 'sha256' ? digest : digestOf(hashed, algorithmOf(claimed));
        if (mine !== claimed) throw new DigestMismatchError(claimed, mine, what);
        digest = claimed;
      }
    }
    return { descriptor: { mediaType, digest, size: bytes.length }, bytes };
  }

  /** Descriptor of a manifest by tag or digest (HEAD; falls back to GET when no digest header). */
  async head(reference: string, opts: { signal?: AbortSignal } = {}): Promise<Descriptor | undefined> {
    const res = await this.ctx.send({ method: 'HEAD', url: this.url(reference), headers: { accept: MANIFEST_ACCEPT }, scopes: [`repository:${this.ctx.repository}:pull`], signal: opts.signal });
    await discard(res);
    if (res.status === 404) return undefined;
    if (res.status !== 200) {
      // HEAD has no body to explain itself: a GET gets the registry's error envelope
      if (res.status === 400 || res.status === 405 || res.status >= 500) return (await this.get(reference, opts)).descriptor;
      throw await responseError(res, `manifest ${this.named(reference)}`, 'MANIFEST_UNKNOWN');
    }
    const claimed = header(res, 'docker-content-digest');
    const size = Number(header(res, 'content-length'));
    const ct = header(res, 'content-type')?.split(';')[0]?.trim();
    const usable = !!ct && MANIFEST_TYPES.includes(ct) && Number.isSafeInteger(size) && size > 0;
    if (usable && isDigest(reference)) return { mediaType: ct, digest: reference, size };
    if (usable && claimed && isDigest(claimed)) return { mediaType: ct, digest: claimed, size };
    return (await this.get(reference, opts)).descriptor;
  }

  /**
   * PUT exact bytes under a tag or digest; resolves the digest (computed locally, checked against
   * the registry's) and the `OCI-Subject` the registry answered (it indexed the manifest's subject).
   */
  async put(reference: string, bytes: Uint8Array, mediaType: string): Promise<PutManifestResult> {
    if (bytes.length > MAX_MANIFEST_BYTES) throw new RegistryError('MANIFEST_TOO_BIG', `manifest of ${bytes.length} bytes exceeds the ${MAX_MANIFEST_BYTES}-byte limit`);
    const res = await this.ctx.send({
      method: 'PUT', url: this.url(reference), body: bytes, scopes: [`repository:${this.ctx.repository}:pull,push`],
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
    });
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await responseError(res, `put manifest ${this.named(reference)}`, 'NAME_UNKNOWN');
    await discard(res);
    const digest = isDigest(reference) ? reference : digestOf(bytes);
    // the registry names what it stored; other bytes than these (schema 1 digests its payload) is a failed push
    const claimed = header(res, 'docker-content-digest');
    if (claimed && isDigest(claimed) && !SCHEMA1_TYPES.includes(mediaType) && algorithmOf(claimed) === algorithmOf(digest) && claimed !== digest) {
      throw new DigestMismatchError(digest, claimed, `put manifest ${this.named(reference)} (the registry says it stored other bytes)`);
    }
    const subject = header(res, 'oci-subject');
    return subject ? { digest, subject } : { digest };
  }

  /** DELETE by digest (distribution 2.8 refuses tags: resolve first). */
  async delete(digest: Digest): Promise<void> {
    const res = await this.ctx.send({ method: 'DELETE', url: this.url(digest), scopes: [`repository:${this.ctx.repository}:delete`] });
    if (res.status !== 202 && res.status !== 200 && res.status !== 204) throw await responseError(res, `delete manifest ${this.ctx.repository}@${digest}`, 'MANIFEST_UNKNOWN');
    await discard(res);
  }

  /** Stream form of `get` for the Target interface. */
  async fetch(desc: Descriptor, opts: { signal?: AbortSignal } = {}): Promise<Readable> {
    const { Readable } = await import('node:stream');
    const m = await this.get(desc.digest, opts);
    if (m.bytes.length !== desc.size && desc.size >= 0) throw new SizeMismatchError(desc.size, m.bytes.length, `manifest ${desc.digest}`);
    return Readable.from([m.bytes]);
  }
}
