import { pipeline, Transform, type Readable } from 'node:stream';
import { algorithmOf, digestOf, isDigest, type Digest } from '../digest/digest.js';
import { DigestMismatchError, DistError, RegistryError, SizeMismatchError, UsageError } from '../errors/errors.js';
import { parseManifest, subjectOf, type ParsedManifest } from '../oci/manifest.js';
import { isManifestType } from '../oci/mediatypes.js';
import { referrerDescriptor } from '../oci/referrer.js';
import type { Descriptor } from '../oci/types.js';
import { formatReference, parseReference, type Reference } from '../ref/reference.js';
import { MAX_MANIFEST_BYTES, type FetchOptions, type KnowsManifests, type Located, type Mounter, type PushOptions, type ReferrerLister, type Target, type VerifiesUploads } from '../content/target.js';
import { readCapped } from '../transport/types.js';
import { BlobClient } from './blobs.js';
import type { RepoContext } from './context.js';
import { RegistryClient, type ClientOptions } from './http.js';
import { UploadJournal } from './journal.js';
import { ManifestClient, type FetchedManifest } from './manifests.js';
import { listReferrers, referrersTag } from './referrers.js';
import { addToFallbackIndex, removeFromFallbackIndex } from './referrers-fallback.js';
import { listTagPages, listTags, type PageOptions } from './tags.js';
import { uploadBlob } from './uploads.js';

export interface RepositoryOptions extends ClientOptions {
  /** Share one HTTP client (connections, token cache) between repositories. */
  client?: RegistryClient;
  /**
   * Upload in acknowledged PATCH chunks of this size (blobs up to it go in one PUT). Unset: blobs
   * up to 16 MiB in one PUT, larger ones in one streamed PATCH, which resumes where the registry
   * kept the bytes of a broken request (dist serve does; docker-registry 2.8 restarts the blob).
   */
  chunkSize?: number;
  /** Resumable-upload journal; `false` disables it (default: under the user's state dir). */
  journal?: UploadJournal | false;
}

/**
 * A repository on a V2/OCI registry as a `Target` (and `Mounter`): blobs, manifests, tags,
 * referrers. Split by endpoint family: `blobs`, `manifests`, and the list helpers.
 */
export class RemoteRepository implements Target, Mounter, Located, VerifiesUploads, ReferrerLister, KnowsManifests {
  /** The registry checks the digest of every blob upload (`PUT ?digest=`). */
  readonly verifiesUploads = true;
  readonly client: RegistryClient;
  readonly blobs: BlobClient;
  readonly manifests: ManifestClient;
  readonly context: RepoContext;
  readonly chunkSize: number | undefined;
  readonly journal: UploadJournal | undefined;
  /** Manifests pushed by this instance (or whose bytes a copy handed over), so `tag()` needs no GET. */
  private readonly pushed = new Map<string, { bytes: Buffer; mediaType: string }>();

  constructor(readonly registry: string, readonly repository: string, opts: RepositoryOptions = {}) {
    this.client = opts.client ?? new RegistryClient(opts);
    this.context = { registry, repository, origin: this.client.origin(registry), send: this.client.handler };
    this.blobs = new BlobClient(this.context);
    this.manifests = new ManifestClient(this.context);
    this.chunkSize = opts.chunkSize;
    this.journal = opts.journal === false ? undefined : opts.journal ?? new UploadJournal();
  }

  /** Open `registry/repo[:tag|@digest]`; also returns the parsed reference. */
  static fromReference(ref: string | Reference, opts: RepositoryOptions = {}): { repo: RemoteRepository; ref: Reference } {
    const r = typeof ref === 'string' ? parseReference(ref) : ref;
    return { repo: new RemoteRepository(r.registry, r.repository, opts), ref: r };
  }

  get location(): { registry: string; repository: string } {
    return { registry: this.registry, repository: this.repository };
  }

  toString(): string {
    return formatReference({ registry: this.registry, repository: this.repository });
  }

  // ---- Target -------------------------------------------------------------------------------

  /**
   * Stream a blob or manifest, verified; with `offset` or `verify: false`, a blob's raw bytes (the
   * caller verifies: a layout hashes what it stores, a registry what it receives).
   */
  async fetch(desc: Descriptor, opts: FetchOptions = {}): Promise<Readable> {
    if (isManifestType(desc.mediaType)) {
      const s = await this.manifests.fetch(desc, opts);
      return opts.offset ? skipBytes(s, opts.offset) : s;
    }
    if (!opts.offset) return opts.verify === false ? (await this.blobs.open(desc.digest, { signal: opts.signal, size: desc.size })).body : this.blobs.fetch(desc, opts);
    const got = await this.blobs.open(desc.digest, { offset: opts.offset, signal: opts.signal, size: desc.size });
    return got.offset === opts.offset ? got.body : skipBytes(got.body, opts.offset);
  }

  async exists(desc: Descriptor): Promise<boolean> {
    if (isManifestType(desc.mediaType)) return (await this.manifests.head(desc.digest)) !== undefined;
    return (await this.blobs.stat(desc.digest)) !== undefined;
  }

  /** Tag or digest (or a full reference naming this repository) → manifest descriptor. */
  async resolve(reference: string, opts: { signal?: AbortSignal } = {}): Promise<Descriptor> {
    const target = this.referenceTarget(reference);
    const d = await this.manifests.head(target, opts);
    if (!d) throw new RegistryError('MANIFEST_UNKNOWN', `${this}${isDigest(target) ? '@' : ':'}${target}: manifest unknown`, { tag: target });
    return d;
  }

  /** Push a blob (chunked, resumable) or a manifest (verified, by digest). */
  async push(expected: Descriptor, body: Readable, opts: PushOptions = {}): Promise<void> {
    if (isManifestType(expected.mediaType)) {
      const bytes = await readCapped(body, MAX_MANIFEST_BYTES);
      if (!bytes) throw new RegistryError('MANIFEST_TOO_BIG', `manifest ${expected.digest} exceeds ${MAX_MANIFEST_BYTES} bytes`);
      await this.pushManifest(expected, bytes);
      opts.onProgress?.(bytes.length);
      return;
    }
    if (opts.offset) throw new UsageError('a remote repository cannot take a push that starts mid-blob');
    await uploadBlob(this.context, expected, body, {
      chunkSize: this.chunkSize, journal: this.journal, signal: opts.signal,
      onProgress: opts.onProgress, onResumed: opts.onResumed, reopen: opts.reopen,
    });
  }

  /** The bytes of a manifest this repository holds (a copy skipped it), so `tag()` needs no GET; kept only if they match `desc`. */
  knownManifest(desc: Descriptor, bytes: Buffer): void {
    if (bytes.length === desc.size && digestOf(bytes, algorithmOf(desc.digest)) === desc.digest) this.remember(desc.digest, bytes, desc.mediaType);
  }

  /** Point a tag at an existing manifest (no blob moves): PUT the same bytes under the tag. */
  async tag(desc: Descriptor, reference: string): Promise<void> {
    const tag = this.referenceTarget(reference);
    const cached = this.pushed.get(desc.digest);
    if (cached) return void (await this.manifests.put(tag, cached.bytes, cached.mediaType));
    const m = await this.manifests.get(desc.digest);
    await this.manifests.put(tag, m.bytes, m.descriptor.mediaType);
  }

  async mount(desc: Descriptor, fromRepository: string): Promise<boolean> {
    return this.blobs.mount(desc, fromRepository);
  }

  // ---- beyond Target ------------------------------------------------------------------------

  /** The exact manifest bytes and descriptor, verified against the digest. */
  fetchManifest(reference: string, opts: { signal?: AbortSignal } = {}): Promise<FetchedManifest> {
    return this.manifests.get(this.referenceTarget(reference), opts);
  }

  /** PUT manifest bytes by digest and, optionally, under tags. */
  async pushManifest(desc: Descriptor, bytes: Buffer, tags: string[] = []): Promise<void> {
    if (bytes.length !== desc.size) throw new SizeMismatchError(desc.size, bytes.length, `manifest ${desc.digest}`);
    const actual = digestOf(bytes);
    if (actual !== desc.digest && desc.digest.startsWith('sha256:')) throw new DigestMismatchError(desc.digest, actual, 'manifest');
    const put = await this.manifests.put(desc.digest, bytes, desc.mediaType);
    this.remember(desc.digest, bytes, desc.mediaType);
    // A registry without the referrers API does not answer OCI-Subject: keep the fallback tag index.
    if (!put.subject) await this.indexReferrer(desc, bytes);
    for (const t of tags) await this.manifests.put(t, bytes, desc.mediaType);
  }

  /** Delete a manifest; a tag is resolved first (distribution 2.8 deletes by digest only). */
  async deleteManifest(reference: string): Promise<Digest> {
    const target = this.referenceTarget(reference);
    const digest = isDigest(target) ? target : (await this.resolve(target)).digest;
    const subject = await this.subjectOf(digest);
    await this.manifests.delete(digest);
    // a referrer listed by the fallback tag schema must leave its subject's index too (OCI 1.1)
    if (subject) {
      try {
        await removeFromFallbackIndex(this.context, subject, digest);
      } catch (e) {
        // the manifest IS gone: say so, or a retry only meets "manifest unknown"
        throw new DistError('PARTIAL', `deleted ${digest}, but ${referrersTag(subject)} (the referrers index of ${subject}) still lists it: ${(e as Error).message}`, { cause: e });
      }
    }
    return digest;
  }

  tags(opts: PageOptions = {}): Promise<string[]> {
    return listTags(this.context, opts);
  }

  tagPages(opts: PageOptions = {}): AsyncGenerator<string[]> {
    return listTagPages(this.context, opts);
  }

  referrers(digest: Digest, opts: { artifactType?: string; signal?: AbortSignal } = {}): Promise<Descriptor[]> {
    return listReferrers(this.context, digest, opts);
  }

  /** The subject of the manifest `digest`, if it has one (undefined when it cannot be read). */
  private async subjectOf(digest: Digest): Promise<Digest | undefined> {
    try {
      const m = await this.manifests.get(digest);
      return m.bytes.includes('"subject"') ? subjectOf(parseManifest(m.bytes, m.descriptor.mediaType))?.digest : undefined;
    } catch {
      return undefined;
    }
  }

  /** Add a manifest with a `subject` to the subject's fallback tag index (OCI 1.1); other manifests: nothing. */
  private async indexReferrer(desc: Descriptor, bytes: Buffer): Promise<void> {
    if (!bytes.includes('"subject"')) return;
    let parsed: ParsedManifest;
    try {
      parsed = parseManifest(bytes, desc.mediaType);
    } catch {
      return; // the registry accepted it; not ours to judge
    }
    const subject = subjectOf(parsed);
    const entry = subject && referrerDescriptor(parsed, desc.digest, desc.size);
    if (subject && entry) await addToFallbackIndex(this.context, subject.digest, entry);
  }

  private remember(digest: string, bytes: Buffer, mediaType: string): void {
    if (this.pushed.size > 64) this.pushed.delete(this.pushed.keys().next().value!);
    this.pushed.set(digest, { bytes, mediaType });
  }

  /** Accept `tag`, `sha256:…`, or a full reference to this repository. */
  private referenceTarget(reference: string): string {
    if (isDigest(reference) || /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/.test(reference)) return reference;
    const r = parseReference(reference);
    if (r.registry !== this.registry || r.repository !== this.repository) {
      throw new UsageError(`reference ${reference} does not name ${this}`);
    }
    return r.digest ?? r.tag!;
  }
}

/** Drop the first `n` bytes of a stream (a registry that ignored Range). */
function skipBytes(src: Readable, n: number): Readable {
  let left = n;
  const t = new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return cb();
      }
      const out = chunk.subarray(left);
      left = 0;
      cb(null, out);
    },
  });
  return pipeline(src, t, () => { /* errors surface on t */ });
}
