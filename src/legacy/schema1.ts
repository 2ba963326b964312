import { digestOf, isDigest, isTarsumDigest, type Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import { MediaType } from '../oci/mediatypes.js';
import { JwsFormatError, parsePrettySignature, type JwsSignature } from './prettyjws.js';

/** Image Manifest V2, Schema 1 (protocol-notes §3.2). Lives here, never in the core OCI types. */
export interface Schema1Manifest {
  schemaVersion: 1;
  name: string;
  tag: string;
  architecture: string;
  /** Newest layer first. */
  fsLayers: Array<{ blobSum: string }>;
  /** Same length and order as fsLayers; each a v1 image JSON string. */
  history: Array<{ v1Compatibility: string }>;
}

/** A schema 1 document taken apart: raw bytes kept, the digest is sha256 of the payload. */
export interface Schema1 {
  raw: Buffer;
  /** The signed bytes (`raw[:formatLength] + formatTail`), or raw when unsigned. */
  payload: Buffer;
  digest: Digest;
  manifest: Schema1Manifest;
  mediaType: string;
  signatures: JwsSignature[];
  formatLength: number;
}

export const MAX_SCHEMA1_BYTES = 4 * 1024 * 1024;

const invalid = (why: string): RegistryError => new RegistryError('MANIFEST_INVALID', `schema 1 manifest invalid: ${why}`);

/** Validate the fields of a schema 1 manifest (what docker and distribution required). */
export function validateSchema1(doc: unknown): Schema1Manifest {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid('not a JSON object');
  const o = doc as Record<string, unknown>;
  if (o.schemaVersion !== 1) throw invalid('schemaVersion must be 1');
  if (typeof o.name !== 'string' || o.name === '') throw invalid('name must be a non-empty string');
  if (o.tag !== undefined && typeof o.tag !== 'string') throw invalid('tag must be a string');
  if (o.architecture !== undefined && typeof o.architecture !== 'string') throw invalid('architecture must be a string');
  if (!Array.isArray(o.fsLayers) || o.fsLayers.length === 0) throw invalid('fsLayers must be a non-empty array');
  if (!Array.isArray(o.history)) throw invalid('history must be an array');
  if (o.history.length !== o.fsLayers.length) throw invalid(`history has ${o.history.length} entries, fsLayers ${o.fsLayers.length}`);
  o.fsLayers.forEach((l: unknown, i) => {
    const b = (l as { blobSum?: unknown } | null)?.blobSum;
    if (typeof b !== 'string' || !(isDigest(b) || isTarsumDigest(b))) throw invalid(`fsLayers[${i}].blobSum is missing or not a digest`);
  });
  o.history.forEach((h: unknown, i) => {
    if (typeof (h as { v1Compatibility?: unknown } | null)?.v1Compatibility !== 'string') throw invalid(`history[${i}].v1Compatibility must be a string`);
  });
  return { ...(o as unknown as Schema1Manifest), tag: (o.tag as string | undefined) ?? '', architecture: (o.architecture as string | undefined) ?? '' };
}

function hasSignatures(raw: Buffer): boolean {
  try {
    const doc = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    return !!doc && typeof doc === 'object' && 'signatures' in doc;
  } catch {
    throw invalid('not valid JSON');
  }
}

/**
 * Parse schema 1 bytes (signed `+prettyjws` or unsigned `+json`). The fields are read from the
 * payload (what the signatures cover), never from bytes outside it. No cryptography here.
 */
export function parseSchema1(bytes: Uint8Array): Schema1 {
  if (bytes.length > MAX_SCHEMA1_BYTES) throw new RegistryError('MANIFEST_TOO_BIG', `schema 1 manifest larger than ${MAX_SCHEMA1_BYTES} bytes`);
  const raw = Buffer.from(bytes);
  if (!hasSignatures(raw)) {
    const manifest = validateSchema1(JSON.parse(raw.toString('utf8')));
    return { raw, payload: raw, digest: digestOf(raw), manifest, mediaType: MediaType.DockerSchema1, signatures: [], formatLength: raw.length };
  }
  let parsed;
  try {
    parsed = parsePrettySignature(raw);
  } catch (err) {
    throw new RegistryError('MANIFEST_UNVERIFIED', `schema 1 signature: ${(err as JwsFormatError).message}`, undefined, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(parsed.payload.toString('utf8'));
  } catch {
    throw new RegistryError('MANIFEST_UNVERIFIED', 'schema 1 signature: the signed payload is not valid JSON');
  }
  const manifest = validateSchema1(doc);
  if ('signatures' in (doc as object)) throw invalid('the signed payload itself contains signatures');
  return {
    raw,
    payload: parsed.payload,
    digest: digestOf(parsed.payload),
    manifest,
    mediaType: MediaType.DockerSchema1Signed,
    signatures: parsed.signatures,
    formatLength: parsed.formatLength,
  };
}
