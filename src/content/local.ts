import * as fsp from 'node:fs/promises';
import { isDigest } from '../digest/digest.js';
import { DistError } from '../errors/errors.js';
import { isTag } from '../ref/grammar.js';
import type { ArchiveFormat, ArchiveWriter } from './archive/archive-writer.js';
import { DockerArchiveReader } from './archive/docker-archive-reader.js';
import { DOCKER_MANIFEST_FILE } from './archive/docker-manifest-json.js';
import { OciLayout } from './layout/oci-layout.js';
import { isLayout, LayoutReader } from './layout/reader.js';
import type { ReadOnlyTarget } from './target.js';
import { TarSource } from './tar/tar-source.js';

export type LocalFormat = 'oci-layout' | ArchiveFormat;

/** A local image location: `DIR`, `DIR:tag`, `DIR@digest`, `FILE.tar`, `FILE.tar:repo:tag`. */
export interface LocalSpec {
  path: string;
  /** Tag, `name:tag`, digest, or '' (the only image). */
  reference: string;
  format?: LocalFormat;
}

const PREFIXES: Record<string, LocalFormat> = { 'oci:': 'oci-layout', 'oci-archive:': 'oci-archive', 'docker-archive:': 'docker-archive' };

const exists = async (p: string): Promise<boolean> => !!(await fsp.stat(p).catch(() => undefined));

/** Does this argument name a local path rather than a registry reference? */
export async function isLocalSpec(s: string): Promise<boolean> {
  if (Object.keys(PREFIXES).some((p) => s.startsWith(p))) return true;
  if (/^(\.{0,2}\/|~\/)/.test(s) || /\.tar(?::|@|$)/.test(s)) return true;
  // A bare name that exists here counts only if it really is an image (a layout dir or a file).
  const path = (await parseLocalSpec(s)).path;
  const st = await fsp.stat(path).catch(() => undefined);
  return !!st && (st.isFile() || (await exists(`${path}/oci-layout`)));
}

/** Split a local spec into path and reference (a path that exists as written wins over a `:tag` split). */
export async function parseLocalSpec(input: string): Promise<LocalSpec> {
  let s = input;
  let format: LocalFormat | undefined;
  for (const [p, f] of Object.entries(PREFIXES)) {
    if (s.startsWith(p)) {
      s = s.slice(p.length);
      format = f;
    }
  }
  const at = s.lastIndexOf('@');
  if (at > 0 && isDigest(s.slice(at + 1))) return { path: s.slice(0, at), reference: s.slice(at + 1), format };
  if (await exists(s)) return { path: s, reference: '', format };
  const tarAt = s.indexOf('.tar:');
  if (tarAt > 0) return { path: s.slice(0, tarAt + 4), reference: s.slice(tarAt + 5), format };
  const colon = s.lastIndexOf(':');
  if (colon > 0 && colon > s.lastIndexOf('/') && isTag(s.slice(colon + 1))) return { path: s.slice(0, colon), reference: s.slice(colon + 1), format };
  return { path: s, reference: '', format };
}

/** The format to write for an output path (`.tar` → docker-archive unless told otherwise). */
export function outputFormat(path: string, format?: LocalFormat): LocalFormat {
  return format ?? (path.endsWith('.tar') ? 'docker-archive' : 'oci-layout');
}

/** Open a local image for reading: layout directory, OCI archive or docker-archive (sniffed). */
export async function openLocalSource(path: string): Promise<{ target: ReadOnlyTarget; format: LocalFormat }> {
  const st = await fsp.stat(path).catch(() => undefined);
  if (!st) throw new DistError('NOT_FOUND', `${path}: no such file or directory`);
  if (st.isDirectory()) {
    const layout = await OciLayout.open(path, { create: false }).catch(() => {
      throw new DistError('USAGE', `${path} is not an OCI image layout (no oci-layout file)`);
    });
    return { target: layout, format: 'oci-layout' };
  }
  const tar = await TarSource.open(path);
  const docker = (await tar.size(DOCKER_MANIFEST_FILE)) !== undefined;
  if (await isLayout(tar)) return { target: new LayoutReader(tar), format: docker ? 'docker-archive' : 'oci-archive' };
  if (docker) return { target: await DockerArchiveReader.open(tar), format: 'docker-archive' };
  throw new DistError('USAGE', `${path} is neither an OCI archive nor a docker-archive`);
}

/** Open a local destination: a layout directory (created) or an archive writer. */
export async function openLocalDestination(path: string, format: LocalFormat): Promise<OciLayout | ArchiveWriter> {
  if (format === 'oci-layout') return OciLayout.open(path);
  // loaded only for archives: tar-stream and its dependencies cost ~10 ms of every pull and push
  const { ArchiveWriter: Writer } = await import('./archive/archive-writer.js');
  return new Writer(path, format);
}
