import type { Readable } from 'node:stream';
import type { Digest } from '../digest/digest.js';
import type { Descriptor } from '../oci/types.js';

/**
 * Small capability interfaces (oras-go style). The remote repository, the OCI layout store,
 * the archive readers/writers and the memory store implement them, so one graph copy does
 * pull, push and copy.
 */
export interface Fetcher {
  /** Stream a blob or manifest. Implementations verify size and digest while it streams. */
  fetch(desc: Descriptor, opts?: FetchOptions): Promise<Readable>;
}

export interface FetchOptions {
  signal?: AbortSignal;
  /**
   * Start at this byte (resume a partial download). The stream then yields bytes
   * `offset..size-1` only; digest verification is the caller's job in that case (it hashes
   * the partial bytes it already has first). Implementations that cannot seek must throw.
   */
  offset?: number;
  /**
   * false: the consumer checks the bytes itself (a registry verifies the digest of every blob
   * upload), so a local source need not hash them a second time. Sources may verify anyway.
   */
  verify?: boolean;
}

/** Optional capability: the destination verifies every blob's digest itself (a registry's upload `PUT ?digest=`). */
export interface VerifiesUploads {
  readonly verifiesUploads: true;
}

/**
 * Optional capability: the destination can be told the bytes of a manifest it already holds (a copy
 * skipped pushing it), so that tagging it later sends them instead of fetching them back. A registry
 * counts a manifest GET as a pull (Docker Hub's rate limit); a HEAD and the PUT of the tag it needs anyway.
 */
export interface KnowsManifests {
  knownManifest(desc: Descriptor, bytes: Buffer): void;
}

export interface Pusher {
  /** Store content; the implementation verifies it against `expected` before it becomes visible. */
  push(expected: Descriptor, body: Readable, opts?: PushOptions): Promise<void>;
}

export interface PushOptions {
  signal?: AbortSignal;
  /** Progress callback: bytes of this blob transferred so far. */
  onProgress?: (bytes: number) => void;
  /** Called when an upload resumes an earlier session instead of starting over (bytes already there). */
  onResumed?: (offset: number) => void;
  /** `body` starts at this byte: bytes before it are already in the destination's partial ingest (see Ingester). */
  offset?: number;
  /** Re-open the source from its first byte, so a destination that lost an upload session can restart the blob cleanly. */
  reopen?: () => Promise<Readable>;
}

/** Optional capability: the destination keeps partial downloads, so a copy can resume with `offset`. */
export interface Ingester {
  /** Bytes of `desc` already held as a verified-later partial file (0 when none). */
  partialSize(desc: Descriptor): Promise<number>;
}

/** Optional capability: where a remote target lives (graph copy mounts only within one registry). */
export interface Located {
  readonly location: { registry: string; repository: string };
}

export interface Resolver {
  /** Tag or digest → descriptor of the manifest. */
  resolve(reference: string, opts?: { signal?: AbortSignal }): Promise<Descriptor>;
}

export interface Tagger {
  tag(desc: Descriptor, reference: string): Promise<void>;
}

export interface ReadOnlyTarget extends Fetcher, Resolver {
  exists(desc: Descriptor): Promise<boolean>;
}

export interface Target extends ReadOnlyTarget, Pusher, Tagger {}

/** Optional capability: make a blob present without sending bytes (cross-repo mount). */
export interface Mounter {
  mount(desc: Descriptor, fromRepository: string): Promise<boolean>;
}

/** Optional capability: list the manifests whose `subject` is `digest` (OCI 1.1 referrers). */
export interface ReferrerLister {
  referrers(digest: Digest, opts?: { artifactType?: string; signal?: AbortSignal }): Promise<Descriptor[]>;
}

export const listsReferrers = (t: object): t is ReferrerLister => typeof (t as Partial<ReferrerLister>).referrers === 'function';

/** Read a whole small manifest, capped (manifests are at most 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export type { Digest };
