/**
 * `dist`: the shared vocabulary — references, digests, descriptors, media types, errors.
 * Operations live in `dist/client`, `dist/content` and `dist/server`.
 */
export { parseReference, formatReference, type Reference } from '../ref/reference.js';
export { parseDigest, isDigest, digestOf, type Digest } from '../digest/digest.js';
export { Digester, VerifyingStream } from '../digest/digester.js';
export { MediaType } from '../oci/mediatypes.js';
export { parseManifest, type ParsedManifest } from '../oci/manifest.js';
export { parsePlatform, formatPlatform, platformMatches } from '../oci/platform.js';
export type { Descriptor, ImageManifest, ImageIndex, Platform } from '../oci/types.js';
export { DistError, RegistryError, DigestMismatchError, SizeMismatchError, AuthError, TransportError, UsageError, CopyError } from '../errors/errors.js';
export { ERROR_CODES, type ErrorCode } from '../errors/codes.js';
