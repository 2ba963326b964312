import { isDigest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import { isIndexType, isImageManifestType, isMediaType, MediaType, SCHEMA1_TYPES } from './mediatypes.js';
import type { Descriptor, ImageIndex, ImageManifest } from './types.js';

/** A manifest parsed from its exact bytes; the bytes are kept, never re-serialised. */
export type ParsedManifest =
  | { kind: 'image'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; manifest: ImageIndex }
  | { kind: 'schema1'; mediaType: string; manifest: Record<string, unknown> };

const invalid = (why: string): RegistryError => new RegistryError('MANIFEST_INVALID', `manifest invalid: ${why}`);

export function validateDescriptor(d: unknown, where: string): Descriptor {
  if (!d || typeof d !== 'object') throw invalid(`${where} is not a descriptor`);
  const o = d as Record<string, unknown>;
  if (!isMediaType(o.mediaType)) {
    throw invalid(`${where}.mediaType is missing or malformed`);
  }
  if (!isDigest(o.digest)) throw invalid(`${where}.digest is missing or malformed`);
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) throw invalid(`${where}.size must be a non-negative integer`);
  return o as unknown as Descriptor;
}

/**
 * Decide the media type of manifest bytes: the `mediaType` field when present, else the
 * Content-Type given, else guess from the shape. Throws MANIFEST_INVALID when they disagree.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw invalid('not valid JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid('not a JSON object');
  const o = doc as Record<string, unknown>;
  const ct = contentType?.split(';')[0]?.trim().toLowerCase();
  if (o.schemaVersion === 1) {
    const mt = ct && SCHEMA1_TYPES.includes(ct) ? ct : 'signatures' in o ? MediaType.DockerSchema1Signed : MediaType.DockerSchema1;
    return { kind: 'schema1', mediaType: mt, manifest: o };
  }
  if (o.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const field = typeof o.mediaType === 'string' ? o.mediaType : undefined;
  if (o.mediaType !== undefined && field === undefined) throw invalid('mediaType must be a string');
  if (field && ct && ct !== field && ct !== 'application/json' && ct !== 'application/octet-stream') {
    throw invalid(`Content-Type ${ct} does not match mediaType ${field}`);
  }
  const mt = field ?? (ct && ct !== 'application/json' && ct !== 'application/octet-stream' ? ct : 'manifests' in o ? MediaType.OciIndex : MediaType.OciManifest);
  if (isIndexType(mt)) {
    if (!Array.isArray(o.manifests)) throw invalid('manifests must be an array');
    o.manifests.forEach((m, i) => validateDescriptor(m, `manifests[${i}]`));
    if (o.subject !== undefined) validateDescriptor(o.subject, 'subject');
    return { kind: 'index', mediaType: mt, manifest: o as unknown as ImageIndex };
  }
  if (isImageManifestType(mt)) {
    validateDescriptor(o.config, 'config');
    if (!Array.isArray(o.layers)) throw invalid('layers must be an array');
    o.layers.forEach((l, i) => validateDescriptor(l, `layers[${i}]`));
    if (o.subject !== undefined) validateDescriptor(o.subject, 'subject');
    return { kind: 'image', mediaType: mt, manifest: o as unknown as ImageManifest };
  }
  throw invalid(`unsupported manifest media type ${mt}`);
}

/** Every descriptor a manifest references (what must exist before it is accepted; `subject` excluded). */
export function referencedDescriptors(p: ParsedManifest): Descriptor[] {
  if (p.kind === 'image') return [p.manifest.config, ...p.manifest.layers];
  if (p.kind === 'index') return [...p.manifest.manifests];
  return [];
}

export function subjectOf(p: ParsedManifest): Descriptor | undefined {
  return p.kind === 'schema1' ? undefined : p.manifest.subject;
}
