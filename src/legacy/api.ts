/**
 * The legacy formats' public surface for the other layers (server, copy, CLI): schema 1 signed
 * manifests (libtrust JWS) and TarSum. Import from here only where a legacy format is in play.
 */
import { TarSumStream, type TarSumStreamOptions } from './tarsum/stream.js';

export { verifySchema1, assertTrusted, trustedSigners, type VerifiedSchema1, type VerifyOptions } from './verify.js';
export { signSchema1, signJson, type SignOptions } from './sign.js';
export { parseSchema1, validateSchema1, type Schema1, type Schema1Manifest } from './schema1.js';
export { toSchema1, type ToSchema1Input, type ToSchema1Result } from './to-schema1.js';
export { schema1ToOci, schema1Layers, type FetchedLayer, type Schema1Layer } from './to-oci.js';
export { EMPTY_LAYER_GZIP, EMPTY_LAYER_DIGEST, EMPTY_LAYER_DIFF_ID } from './empty-layer.js';
export { Schema1LayerStream, type LayerFacts } from './layer-stream.js';
export { tarsumOf, TarSumStream, type TarSumStreamOptions } from './tarsum/stream.js';
export { TarSum, type TarsumOptions } from './tarsum/tarsum.js';
export { parseTarsumDigest, type TarsumCompat, type TarsumHash, type TarsumVersion } from './tarsum/fields.js';
export { generateKey, keyIdOf, parseKeys, parsePrivateKey, publicJwk, privateJwk, signingAlgorithm, KeyError } from './keys.js';
export { loadKeys, loadPrivateKey, savePrivateKey } from './keyfiles.js';
export { certificatesFromPem } from './chain.js';

/** A TarSum stream (plain or gzip tar); read `.sum` after 'finish'. */
export function tarsumStream(opts: TarSumStreamOptions = {}): TarSumStream {
  return new TarSumStream(opts);
}
