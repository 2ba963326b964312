import { algorithmOf, digestOf, type Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import { MediaType } from '../oci/mediatypes.js';
import type { ParsedManifest } from '../oci/manifest.js';
import type { Descriptor } from '../oci/types.js';

/** What a manifest handler may look at while validating a PUT. */
export interface ManifestContext {
  name: string;
  /** The tag in the URL, when the PUT is by tag (schema 1 checks it against its `tag` field). */
  tag?: string;
  /** Is this blob linked into the repository? */
  blobExists(digest: Digest): Promise<boolean>;
  /** Is this manifest a revision of the repository? */
  manifestExists(digest: Digest): Promise<boolean>;
}

/**
 * Per-media-type behaviour of the manifest store, so other formats (schema 1) plug in without
 * touching the store: validation of references, and the digest rule.
 */
export interface ManifestHandler {
  /** Throw a RegistryError (MANIFEST_INVALID, MANIFEST_BLOB_UNKNOWN, MANIFEST_UNVERIFIED…). */
  validate(parsed: ParsedManifest, bytes: Buffer, ctx: ManifestContext): Promise<void>;
  /** The manifest's digest; default: hash of the exact bytes with the requested algorithm. */
  digest?(bytes: Buffer, parsed: ParsedManifest): Digest;
  /** The bytes to store under that digest; default: the exact bytes (schema 1 stores its JWS payload). */
  stored?(bytes: Buffer, parsed: ParsedManifest): Buffer;
  /** What to serve for stored bytes; default: the bytes as stored (schema 1 signs them again). */
  render?(bytes: Buffer, parsed: ParsedManifest): Promise<{ bytes: Buffer; mediaType: string }>;
}

const NON_DISTRIBUTABLE = /\.(nondistributable|foreign)\./;

function blobUnknown(d: Descriptor): RegistryError {
  return new RegistryError('MANIFEST_BLOB_UNKNOWN', `blob unknown to registry: ${d.digest}`, d.digest);
}

/** OCI image manifest and Docker schema 2: config and every distributable layer must be in the repo. */
export const imageManifestHandler: ManifestHandler = {
  async validate(parsed, _bytes, ctx) {
    if (parsed.kind !== 'image') throw new RegistryError('MANIFEST_INVALID', 'manifest invalid: not an image manifest');
    const m = parsed.manifest;
    if (!(await ctx.blobExists(m.config.digest))) throw blobUnknown(m.config);
    // each distinct digest is looked up once: a 4 MiB manifest can list one layer ~28,000 times
    const seen = new Set<string>();
    for (const layer of m.layers) {
      if (NON_DISTRIBUTABLE.test(layer.mediaType)) {
        const urls = layer.urls ?? [];
        if (urls.some((u) => typeof u !== 'string' || !/^https?:\/\/[^#]+$/.test(u))) {
          throw new RegistryError('MANIFEST_INVALID', 'manifest invalid: foreign layer urls must be http(s) without fragment');
        }
        if (urls.length > 0) continue;
      }
      if (seen.has(layer.digest)) continue;
      seen.add(layer.digest);
      if (!(await ctx.blobExists(layer.digest))) throw blobUnknown(layer);
    }
  },
};

/** OCI index and Docker manifest list: every child manifest must be a revision of the repo. */
export const indexHandler: ManifestHandler = {
  async validate(parsed, _bytes, ctx) {
    if (parsed.kind !== 'index') throw new RegistryError('MANIFEST_INVALID', 'manifest invalid: not an index');
    const seen = new Set<string>();
    for (const child of parsed.manifest.manifests) {
      if (seen.has(child.digest)) continue;
      seen.add(child.digest);
      if (!(await ctx.manifestExists(child.digest)) && !(await ctx.blobExists(child.digest))) throw blobUnknown(child);
    }
  },
};

/** The handlers `dist serve` ships with (schema 1 is added by the legacy module when enabled). */
export function defaultManifestHandlers(): Map<string, ManifestHandler> {
  return new Map<string, ManifestHandler>([
    [MediaType.OciManifest, imageManifestHandler],
    [MediaType.DockerManifest, imageManifestHandler],
    [MediaType.OciIndex, indexHandler],
    [MediaType.DockerManifestList, indexHandler],
  ]);
}

/** Default digest rule: the exact bytes, with the algorithm the client asked for (sha256 otherwise). */
export function exactBytesDigest(bytes: Buffer, want?: Digest): Digest {
  return digestOf(bytes, want ? algorithmOf(want) : 'sha256');
}
