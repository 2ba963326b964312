import { basename } from 'node:path';
import type { ArchiveWriter } from '../content/archive/archive-writer.js';
import type { OciLayout } from '../content/layout/oci-layout.js';
import { isLocalSpec, openLocalDestination, openLocalSource, outputFormat, parseLocalSpec, type LocalFormat } from '../content/local.js';
import type { ReadOnlyTarget, Target } from '../content/target.js';
import { RegistryClient } from '../client/http.js';
import { RemoteRepository, type RepositoryOptions } from '../client/repository.js';
import { DEFAULT_REGISTRY, formatReference, parseReference, type Reference } from '../ref/reference.js';

/** Registry options with one shared HTTP client, so source and destination share connections and tokens. */
export function sharedClient(opts: RepositoryOptions = {}): RepositoryOptions {
  return opts.client ? opts : { ...opts, client: new RegistryClient(opts) };
}

export interface OpenedSource {
  target: ReadOnlyTarget;
  /** What to resolve in the source ('' = the only image of a local source). */
  reference: string;
  /** For messages and results. */
  display: string;
  remote?: Reference;
}

/** A source: a registry reference, or a local layout / archive (`DIR[:tag|@digest]`, `FILE.tar[:name:tag]`). */
export async function openSource(spec: string, registry: RepositoryOptions = {}): Promise<OpenedSource> {
  if (await isLocalSpec(spec)) {
    const local = await parseLocalSpec(spec);
    const { target } = await openLocalSource(local.path);
    return { target, reference: local.reference, display: spec };
  }
  const { repo, ref } = RemoteRepository.fromReference(spec, sharedClient(registry));
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
  /** Finish (archives: write metadata and move the file into place). */
  finish(): Promise<void>;
  /** Give up (archives: delete the partial file). */
  abort(): Promise<void>;
}

/** The short name docker uses in RepoTags (`ubuntu:22.04`, `127.0.0.1:5000/team/app:v1`). */
export function familiarName(r: Reference): string {
  const repo = r.registry === DEFAULT_REGISTRY ? r.repository.replace(/^library\//, '') : `${r.registry}/${r.repository}`;
  return r.tag ? `${repo}:${r.tag}` : repo;
}

/** Default pull output: a directory named after the repository's last path component. */
export function defaultOutput(r: Reference): string {
  return basename(r.repository);
}

async function openLocalDest(path: string, tagFrom: Reference | undefined, format?: LocalFormat): Promise<OpenedDestination> {
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

/**
 * A destination: a registry reference (tag defaults to the source's), or a local path
 * (a layout directory; `.tar` → docker-archive unless `format` says otherwise).
 */
export async function openDestination(spec: string, opts: { format?: LocalFormat; tagFrom?: Reference; registry?: RepositoryOptions } = {}): Promise<OpenedDestination> {
  if (opts.format || (await isLocalSpec(spec))) return openLocalDest(spec, opts.tagFrom, opts.format);
  const { repo, ref } = RemoteRepository.fromReference(parseReference(spec, { defaultTag: false }), sharedClient(opts.registry));
  // No tag named: the source's tag; a source addressed by digest is copied by digest only.
  const tag = ref.tag ?? (ref.digest || (opts.tagFrom?.digest && !opts.tagFrom.tag) ? '' : opts.tagFrom?.tag ?? 'latest');
  return { target: repo, tag, display: formatReference({ ...ref, tag: tag || undefined }), remote: ref, finish: async () => undefined, abort: async () => undefined };
}
