import type { Command } from 'commander';
import { printable } from '../client/printable.js';
import { RemoteRegistry } from '../client/registry.js';
import { RemoteRepository, type RepositoryOptions } from '../client/repository.js';
import { UsageError } from '../errors/errors.js';
import { formatReference, parseReference, type Reference } from '../ref/reference.js';
import { jsonLine } from './json-line.js';
import { globals, type GlobalOptions } from './options.js';

/** Global CLI options → library options (one place, shared by every remote command). */
export function repositoryOptions(g: GlobalOptions): RepositoryOptions {
  return {
    plainHttp: g.plainHttp,
    insecure: g.insecure,
    caFile: g.caFile,
    certFile: g.certFile,
    keyFile: g.keyFile,
    creds: g.creds,
    chunkSize: g.chunkSize,
    timeoutMs: g.timeout,
    // an escape hatch (and the before/after switch of bench/README.md): blob bodies through undici
    directReads: process.env.DIST_DIRECT_READS !== '0',
    log: g.verbose ? (line) => process.stderr.write(`dist: ${line}\n`) : undefined,
    logHeaders: g.verbose,
  };
}

/** Open the repository a REF names. */
export function openRemote(cmd: Command, reference: string, opts: { defaultTag?: boolean } = {}): { repo: RemoteRepository; ref: Reference; g: GlobalOptions } {
  const g = globals(cmd);
  const ref = parseReference(reference, opts);
  return { repo: new RemoteRepository(ref.registry, ref.repository, repositoryOptions(g)), ref, g };
}

/** A registry name (`host[:port]`), or a reference whose registry part is used. */
export function openRegistry(cmd: Command, registry: string): { reg: RemoteRegistry; g: GlobalOptions } {
  const g = globals(cmd);
  const name = registryName(registry);
  return { reg: new RemoteRegistry(name, repositoryOptions(g)), g };
}

/** Accept `host:port`, `https://host/`, `docker.io`. */
export function registryName(s: string): string {
  const t = s.trim().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!t || /\s/.test(t)) throw new UsageError(`invalid registry "${s}"`);
  if (t === 'index.docker.io' || t === 'registry-1.docker.io') return 'docker.io';
  return t;
}

/** One JSON object per line on stdout (escaped for terminals: see jsonLine). */
export function printJson(obj: unknown): void {
  process.stdout.write(jsonLine(obj));
}

/** Print every entry of a paginated listing as it arrives: one per line, or `{"<key>": entry}` JSON lines. */
export async function printPages(pages: AsyncIterable<string[]>, key: string, g: GlobalOptions): Promise<void> {
  for await (const page of pages) {
    for (const entry of page) {
      if (g.json) printJson({ [key]: entry });
      else process.stdout.write(`${printable(entry)}\n`);
    }
  }
}

export { formatReference };
