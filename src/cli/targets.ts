import { basename } from 'node:path';
import type { ArchiveWriter } from '../content/archive/archive-writer.js';
import type { OciLayout } from '../content/layout/oci-layout.js';
import { isLocalSpec, openLocalDestination, openLocalSource, outputFormat, parseLocalSpec, type LocalFormat } from '../content/local.js';
import type { ReadOnlyTarget, Target } from '../content/target.js';
import { RegistryClient } from '../client/http.js';
import { RemoteRepository, type RepositoryOptions } from '../client/repository.js';
import { UsageError } from '../errors/errors.js';
import { DEFAULT_REGISTRY, formatReference, parseReference, type Reference } from '../ref/reference.js';
import type { GlobalOptions } from './options.js';
import { repositoryOptions as baseOptions } from './remote.js';

/** Registry client options from the global flags, with one shared client (connections, tokens). */
export function repositoryOptions(g: GlobalOptions): RepositoryOptions {
  const opts = baseOptions(g);
  return { ...opts, client: new RegistryClient(opts) };
}

export interface OpenedSource {
  target: ReadOnlyTarget;
  /** What to resolve in the source ('' = the only image of a local source). */
  reference: string;
  /** For messages and results. */
  display: string;
  remote?: Reference;
}

/** A SRC argument: registry reference or local layout/archive. */
export async function openSource(spec: string, g: GlobalOptions, shared?: RepositoryOptions): Promise<OpenedSource> {
  if (await isLocalSpec(spec)) {
    const local = await parseLocalSpec(spec);
    const { target } = await openLocalSource(local.path);
    return { target, reference: local.reference, display: spec };
  }
  const { repo, ref } = RemoteRepository.fromReference(spec, shared ?? repositoryOptions(g));
  return { target: repo, reference: ref.digest ?? ref.tag!, display: formatReference(ref), remote: ref };
}

export interface OpenedDestination {
  target: Target;
  /** The tag to give the root ('' = none). */
  tag: string;
  display: string;
  format?: LocalFormat;
  path?: string;
  remote?: Reference;
  /** Finish (archives: write metadata and move into place). */
  finish(): Promise<void>;
  /** Give up (archives: delete the partial file). */
  abort(): Promise<void>;
}

/** Short name docker would use (`ubuntu:22.04`, `127.0.0.1:5000/team/app:v1`). */
export function familiarName(r: Reference): string {
  const repo = r.registry === DEFAULT_REGISTRY ? r.repository.replace(/^library\//, '') : `${r.registry}/${r.repository}`;
  return r.tag ? `${repo}:${r.tag}` : repo;
}

/** Default pull output: a directory named after the repository's last path component. */
export function defaultOutput(r: Reference): string {
  return basename(r.repository);
}

export async function openLocalDest(path: string, tagFrom: Reference | undefined, format?: LocalFormat): Promise<OpenedDestination> {
  const local = await parseLocalSpec(path);
  const fmt = outputFormat(local.path, format ?? local.format);
  const store: OciLayout | ArchiveWriter = await openLocalDestination(local.path, fmt);
  const tag = local.reference || (fmt === 'oci-layout' ? tagFrom?.tag ?? '' : tagFrom?.tag ? familiarName(tagFrom) : '');
  const writer = 'close' in store ? store : undefined;
  return {
    target: store, tag, display: local.path, format: fmt, path: local.path,
    finish: async () => writer?.close(),
    abort: async () => writer?.abort(),
  };
}

/** A DST argument: registry reference or local path. */
export async function openDestination(spec: string, g: GlobalOptions, opts: { format?: LocalFormat; tagFrom?: Reference; shared?: RepositoryOptions } = {}): Promise<OpenedDestination> {
  if (opts.format || (await isLocalSpec(spec))) return openLocalDest(spec, opts.tagFrom, opts.format);
  const { repo, ref } = RemoteRepository.fromReference(parseReference(spec, { defaultTag: false }), opts.shared ?? repositoryOptions(g));
  const tag = ref.tag ?? (ref.digest ? '' : opts.tagFrom?.tag ?? 'latest');
  return { target: repo, tag, display: formatReference({ ...ref, tag: tag || undefined }), remote: ref, finish: async () => undefined, abort: async () => undefined };
}

export function usage(msg: string): never {
  throw new UsageError(msg);
}
