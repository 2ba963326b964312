import type { Digest } from '../digest/digest.js';

/**
 * The gzipped empty tar (1024 zero bytes) that schema 1 uses for history entries without a layer:
 * distribution's `gzippedEmptyTar`, byte for byte, so its digest is the well-known a3ed95ca….
 */
export const EMPTY_LAYER_GZIP: Buffer = Buffer.from([
  31, 139, 8, 0, 0, 9, 110, 136, 0, 255, 98, 24, 5, 163, 96, 20, 140, 88, 0, 8, 0, 0, 255, 255, 46, 175, 181, 239, 0, 4, 0, 0,
]);
export const EMPTY_LAYER_DIGEST = 'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4' as Digest;
/** Its uncompressed digest (the diff ID of an empty layer). */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef' as Digest;
