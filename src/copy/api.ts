import type { RepositoryOptions } from '../client/repository.js';
import type { LocalFormat } from '../content/local.js';
import { UsageError } from '../errors/errors.js';
import type { Descriptor, Platform } from '../oci/types.js';
import { defaultOutput, openDestination, openSource, sharedClient, type OpenedDestination, type OpenedSource } from './endpoints.js';
import type { OnEvent } from './events.js';
import { copyImage, resolveSource, type CopyImageResult } from './operations.js';
import { hostPlatform } from './select.js';

/** Options shared by pull, push and copy (registry options: auth, TLS, chunk size…). */
export interface TransferOptions extends RepositoryOptions {
  /** Only this platform of an index. */
  platform?: Platform;
  /** Parallel blob transfers (default 4). */
  jobs?: number;
  /** Also copy the image's referrers (signatures, SBOMs… OCI 1.1), recursively. */
  referrers?: boolean;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

export interface TransferResult extends CopyImageResult {
  source: CopyImageResult['source'];
  /** Where it went (path or reference) and how. */
  destination: string;
  tag: string;
  format?: LocalFormat;
  /** The source image when it is not the command's argument (`copy --all-tags`: `REPO:tag`). */
  sourceReference?: string;
}

async function run(src: OpenedSource, dst: OpenedDestination, o: TransferOptions & { preferPlatform?: Platform; resolved?: Descriptor }): Promise<TransferResult> {
  try {
    if (o.referrers && dst.format === 'docker-archive') throw new UsageError('--referrers: a docker-archive cannot hold referrers; use an OCI layout or OCI archive');
    const r = await copyImage(src.target, src.reference, dst.target, {
      tag: dst.tag, jobs: o.jobs, platform: o.platform, preferPlatform: o.preferPlatform, onEvent: o.onEvent, signal: o.signal, resolved: o.resolved, referrers: o.referrers,
    });
    await dst.finish();
    return { ...r, destination: dst.display, tag: dst.tag, ...(dst.format ? { format: dst.format } : {}) };
  } catch (e) {
    await dst.abort().catch(() => undefined);
    throw e;
  }
}

export interface PullOptions extends TransferOptions {
  /** Layout directory (default: the repository's last path component) or `FILE.tar`. */
  output?: string;
  format?: LocalFormat;
  /** Keep the whole index (default: the host platform when the index has it). */
  allPlatforms?: boolean;
}

/** Registry → OCI layout directory / docker-archive / OCI archive. Blobs already present are not fetched. */
export async function pull(reference: string, o: PullOptions = {}): Promise<TransferResult> {
  if (o.platform && o.allPlatforms) throw new UsageError('platform and allPlatforms exclude each other');
  const registry = sharedClient(o);
  const src = await openSource(reference, registry);
  if (!src.remote) throw new UsageError(`${reference} is a local path: pull takes a registry reference`);
  const out = o.output ?? defaultOutput(src.remote);
  // Resolve before creating anything on disk: a wrong tag leaves no empty layout behind.
  const resolved = await resolveSource(src.target, src.reference, o.signal);
  const dst = await openDestination(out, { format: o.format ?? (out.endsWith('.tar') ? undefined : 'oci-layout'), tagFrom: src.remote, registry });
  return run(src, dst, { ...o, resolved, preferPlatform: o.platform || o.allPlatforms ? undefined : hostPlatform() });
}

export interface PushOptions extends TransferOptions {
  /** `v2s1`: convert to a signed Docker schema 1 manifest (legacy registries; src/copy/schema1-push.ts). */
  format?: 'v2s1';
  /** libtrust signing key for `v2s1` (default: a throwaway key). */
  signKey?: import('node:crypto').KeyObject;
}

/** Local layout (`DIR`, `DIR:tag`, `DIR@digest`) / docker-archive / OCI archive → registry. */
export async function push(source: string, reference: string, o: PushOptions = {}): Promise<TransferResult> {
  const registry = sharedClient(o);
  const src = await openSource(source, registry);
  if (src.remote) throw new UsageError(`${source}: not a local layout or archive (use copy for registry → registry)`);
  const dst = await openDestination(reference, { registry });
  if (!dst.remote) throw new UsageError(`${reference}: push needs a registry reference`);
  if (o.format === 'v2s1') {
    if (o.referrers) throw new UsageError('--referrers: a schema 1 registry has no referrers');
    const { copyImageAsSchema1 } = await import('./schema1-push.js');
    const r = await copyImageAsSchema1(src.target, src.reference, dst.target, {
      name: dst.remote.repository, tag: dst.tag, key: o.signKey, platform: o.platform, jobs: o.jobs, onEvent: o.onEvent, signal: o.signal,
    });
    return { ...r, destination: dst.display, tag: dst.tag };
  }
  return run(src, dst, o);
}

/** Anything → anything (registry, layout, archive), digests kept, all platforms unless `platform`. */
export async function copy(source: string, destination: string, o: TransferOptions & { format?: LocalFormat } = {}): Promise<TransferResult> {
  const registry = sharedClient(o);
  const src = await openSource(source, registry);
  const dst = await openDestination(destination, { format: o.format, tagFrom: src.remote, registry });
  return run(src, dst, o);
}
