import { isDigest, type Digest } from '../digest/digest.js';
import { UsageError } from '../errors/errors.js';
import { isRepositoryName, isTag } from './grammar.js';

export const DEFAULT_REGISTRY = 'docker.io';
export const DEFAULT_TAG = 'latest';
/** Where docker.io's API really lives. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

/** A parsed image reference: `registry/repository[:tag][@digest]`. */
export interface Reference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: Digest;
}

const DOMAIN_RE = /^(?:localhost|\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]+)?$/;

function looksLikeDomain(s: string): boolean {
  return s.includes('.') || s.includes(':') || s === 'localhost' || s.startsWith('[');
}

/**
 * Parse a reference with docker's defaults: `ubuntu` → `docker.io/library/ubuntu:latest`.
 * With `{ defaultTag: false }` no tag is filled in (for commands that take a repository).
 */
export function parseReference(input: string, opts: { defaultTag?: boolean } = {}): Reference {
  const s = input.trim();
  if (!s) throw new UsageError('empty image reference');
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw new UsageError(`invalid digest in reference "${input}"`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag)) throw new UsageError(`invalid tag "${tag}" in reference "${input}"`);
  }
  let registry = DEFAULT_REGISTRY;
  let repository = rest;
  const slash = rest.indexOf('/');
  if (slash > 0 && looksLikeDomain(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
    if (!DOMAIN_RE.test(registry)) throw new UsageError(`invalid registry "${registry}" in reference "${input}"`);
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;
  if (!isRepositoryName(repository)) {
    throw new UsageError(`invalid repository name "${repository}" in reference "${input}" (lowercase letters, digits and separators . _ __ - /)`);
  }
  if (!tag && !digest && opts.defaultTag !== false) tag = DEFAULT_TAG;
  return { registry, repository, tag, digest };
}

/** `registry/repository[:tag][@digest]`. */
export function formatReference(r: Reference): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The tag or digest to address a manifest by (digest wins). */
export function referenceTarget(r: Reference): string {
  return r.digest ?? r.tag ?? DEFAULT_TAG;
}

/** Host:port to connect to for a registry name (docker.io → registry-1.docker.io). */
export function registryHost(registry: string): string {
  return registry === DEFAULT_REGISTRY ? DOCKER_HUB_API : registry;
}

/** Loopback registries default to plain HTTP, as docker does. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
