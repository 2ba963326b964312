import type { Readable } from 'node:stream';
import type { ReadOnlyTarget } from '../content/target.js';
import { MAX_MANIFEST_BYTES } from '../content/target.js';
import { RegistryError } from '../errors/errors.js';
import { parseManifest } from '../oci/manifest.js';
import { formatPlatform, platformMatches } from '../oci/platform.js';
import type { Descriptor, Platform } from '../oci/types.js';
import { readCapped } from '../transport/types.js';
import { printable } from './printable.js';

/** What `dist inspect` shows, for any ReadOnlyTarget (remote, OCI layout, archive). */
export interface ImageSummary {
  reference?: string;
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  /** For an index / manifest list. */
  manifests?: Array<{ platform?: string; mediaType: string; digest: string; size: number; artifactType?: string }>;
  /** For an image manifest. */
  config?: { mediaType: string; digest: string; size: number; platform?: string; created?: string };
  /** `title`: the `org.opencontainers.image.title` annotation (an artifact's file name). */
  layers?: Array<{ mediaType: string; digest: string; size: number; title?: string }>;
  /** Config + layers, in bytes (what a pull of this platform transfers). */
  totalSize?: number;
  subject?: string;
  annotations?: Record<string, string>;
}

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Read a small piece of content fully (manifests, configs), capped. */
export async function readSmall(target: ReadOnlyTarget, desc: Descriptor, cap = MAX_MANIFEST_BYTES): Promise<Buffer> {
  if (desc.size > cap) throw new RegistryError('MANIFEST_TOO_BIG', `${desc.digest}: ${desc.size} bytes exceeds the ${cap}-byte limit`);
  const s: Readable = await target.fetch(desc);
  const b = await readCapped(s, cap);
  if (!b) throw new RegistryError('MANIFEST_TOO_BIG', `${desc.digest}: exceeds the ${cap}-byte limit`);
  return b;
}

/** Build the summary of a manifest (and its config, for an image). */
export async function summarize(target: ReadOnlyTarget, desc: Descriptor, opts: { reference?: string; bytes?: Buffer } = {}): Promise<ImageSummary> {
  const bytes = opts.bytes ?? (await readSmall(target, desc));
  const p = parseManifest(bytes, desc.mediaType);
  const out: ImageSummary = { reference: opts.reference, mediaType: p.mediaType, digest: desc.digest, size: bytes.length };
  if (p.kind === 'schema1') return out;
  const m = p.manifest;
  if (m.artifactType) out.artifactType = m.artifactType;
  if (m.subject) out.subject = m.subject.digest;
  if (m.annotations && Object.keys(m.annotations).length) out.annotations = m.annotations;
  if (p.kind === 'index') {
    out.manifests = p.manifest.manifests.map((d) => ({
      ...(d.platform ? { platform: formatPlatform(d.platform) } : {}),
      mediaType: d.mediaType, digest: d.digest, size: d.size,
      ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    }));
    return out;
  }
  const cfg = p.manifest.config;
  out.config = { mediaType: cfg.mediaType, digest: cfg.digest, size: cfg.size };
  if (cfg.size <= MAX_CONFIG_BYTES && /json/.test(cfg.mediaType) && cfg.size > 2) {
    try {
      const c = JSON.parse((await readSmall(target, cfg, MAX_CONFIG_BYTES)).toString('utf8')) as Partial<Platform> & { created?: string };
      if (c.os && c.architecture) out.config.platform = formatPlatform(c as Platform);
      if (typeof c.created === 'string') out.config.created = c.created;
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
    }
  }
  out.layers = p.manifest.layers.map((l) => {
    const title = l.annotations?.['org.opencontainers.image.title'];
    return { mediaType: l.mediaType, digest: l.digest, size: l.size, ...(typeof title === 'string' ? { title } : {}) };
  });
  out.totalSize = cfg.size + out.layers.reduce((n, l) => n + l.size, 0);
  return out;
}

/** `1.5 MiB` style sizes. */
export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** The readable text form of a summary. */
export function formatSummary(s: ImageSummary): string {
  const lines: string[] = [];
  if (s.reference) lines.push(`Reference:  ${s.reference}`);
  lines.push(`Media type: ${s.mediaType}`, `Digest:     ${s.digest}`, `Size:       ${s.size} B`);
  if (s.artifactType) lines.push(`Artifact:   ${s.artifactType}`);
  if (s.subject) lines.push(`Subject:    ${s.subject}`);
  if (s.manifests) {
    lines.push(`Platforms:  ${s.manifests.length}`);
    for (const m of s.manifests) lines.push(`  ${(m.platform ?? m.artifactType ?? '-').padEnd(16)} ${m.digest}  ${humanSize(m.size).padStart(10)}  ${m.mediaType}`);
  }
  if (s.config) {
    lines.push(`Config:     ${s.config.digest} (${humanSize(s.config.size)}, ${s.config.mediaType})`);
    if (s.config.platform) lines.push(`Platform:   ${s.config.platform}`);
    if (s.config.created) lines.push(`Created:    ${s.config.created}`);
  }
  if (s.layers) {
    lines.push(`Layers:     ${s.layers.length} (${humanSize(s.layers.reduce((n, l) => n + l.size, 0))} total)`);
    s.layers.forEach((l, i) => lines.push(`  ${String(i + 1).padStart(3)}  ${l.digest}  ${humanSize(l.size).padStart(10)}  ${l.mediaType}${l.title !== undefined ? `  ${l.title}` : ''}`));
  }
  if (s.annotations) for (const [k, v] of Object.entries(s.annotations)) lines.push(`Annotation: ${k}=${v}`);
  // every field may come from the registry: one field, one line, no terminal control
  return `${lines.map(printable).join('\n')}\n`;
}

export interface InspectRequest {
  reference?: string;
  /** The exact manifest bytes. */
  raw?: boolean;
  /** The config blob (of the platform chosen with `platform` when REF is an index). */
  config?: boolean;
  /** Descend from an index into this platform's manifest (`os/arch[/variant]`). */
  platform?: Platform;
}

export type InspectResult = { kind: 'bytes'; bytes: Buffer } | { kind: 'summary'; summary: ImageSummary };

/** Everything `dist inspect` does, for any ReadOnlyTarget: part of the library, the CLI only prints. */
export async function inspectTarget(target: ReadOnlyTarget, desc: Descriptor, req: InspectRequest = {}): Promise<InspectResult> {
  let d = desc;
  let bytes = await readSmall(target, d);
  if (req.platform || req.config) {
    const p = parseManifest(bytes, d.mediaType);
    if (p.kind === 'index') {
      if (!req.platform) throw new RegistryError('MANIFEST_INVALID', `${req.reference ?? d.digest} is an index: choose a platform with --platform (${p.manifest.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : m.digest)).join(', ')})`);
      const want = req.platform;
      const hit = p.manifest.manifests.find((m) => platformMatches(want, m.platform));
      if (!hit) throw new RegistryError('MANIFEST_UNKNOWN', `${req.reference ?? d.digest} has no ${formatPlatform(want)} manifest`);
      d = hit;
      bytes = await readSmall(target, d);
    }
  }
  if (req.config) {
    const p = parseManifest(bytes, d.mediaType);
    if (p.kind !== 'image') throw new RegistryError('MANIFEST_INVALID', `${req.reference ?? d.digest} has no config blob (${p.mediaType})`);
    return { kind: 'bytes', bytes: await readSmall(target, p.manifest.config, MAX_CONFIG_BYTES) };
  }
  if (req.raw) return { kind: 'bytes', bytes };
  return { kind: 'summary', summary: await summarize(target, d, { reference: req.reference, bytes }) };
}
