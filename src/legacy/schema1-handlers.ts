import type { KeyObject } from 'node:crypto';
import type { Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import { MediaType } from '../oci/mediatypes.js';
import { defaultManifestHandlers, type ManifestHandler } from '../storage/manifest-handlers.js';
import { loadPrivateKey } from './keyfiles.js';
import { generateKey } from './keys.js';
import { parseSchema1 } from './schema1.js';
import { signJson } from './sign.js';
import { verifySchema1 } from './verify.js';

export interface Schema1ServeOptions {
  /** The key `dist serve` signs served schema 1 manifests with (compatibility.schema1.signingkeyfile). */
  key?: KeyObject;
  keyFile?: string;
}

/**
 * Schema 1 in the registry, as distribution 2.5–2.8 does it: on PUT every signature must verify
 * (MANIFEST_UNVERIFIED), `name` must be the repository and `tag` the URL tag, every blobSum must be
 * linked in the repository (a tarsum through its alias link); the *payload* is stored, under its
 * digest, so distribution reads the same directory; on GET it is signed again with the registry's key.
 */
export function schema1Handler(key: KeyObject): ManifestHandler {
  return {
    digest: (bytes) => parseSchema1(bytes).digest,
    stored: (bytes) => parseSchema1(bytes).payload,
    async validate(_parsed, bytes, ctx) {
      const v = await verifySchema1(bytes);
      const m = v.manifest;
      if (m.name !== ctx.name) throw new RegistryError('NAME_INVALID', `manifest name "${m.name.slice(0, 200)}" does not match repository "${ctx.name}"`, { name: m.name.slice(0, 200) });
      if (ctx.tag !== undefined && m.tag !== ctx.tag) throw new RegistryError('TAG_INVALID', `manifest tag "${m.tag.slice(0, 200)}" does not match "${ctx.tag}"`, { tag: m.tag.slice(0, 200) });
      for (const blobSum of new Set(m.fsLayers.map((l) => l.blobSum))) {
        if (!(await ctx.blobExists(blobSum as Digest))) throw new RegistryError('MANIFEST_BLOB_UNKNOWN', `blob unknown to registry: ${blobSum}`, { digest: blobSum });
      }
    },
    async render(bytes) {
      const payload = parseSchema1(bytes).payload;
      return { bytes: await signJson(payload, [key]), mediaType: MediaType.DockerSchema1Signed };
    },
  };
}

/** The default handlers plus schema 1 (`+prettyjws` and `+json`); the key is loaded or generated at startup. */
export async function schema1ManifestHandlers(opts: Schema1ServeOptions = {}): Promise<Map<string, ManifestHandler>> {
  const key = opts.key ?? (opts.keyFile ? await loadPrivateKey(opts.keyFile) : generateKey());
  const h = schema1Handler(key);
  const out = defaultManifestHandlers();
  out.set(MediaType.DockerSchema1Signed, h);
  out.set(MediaType.DockerSchema1, h);
  return out;
}
