import type { KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import { fetchBytes } from '../content/read.js';
import type { ReadOnlyTarget, Target } from '../content/target.js';
import { CopyError, DistError } from '../errors/errors.js';
import { EMPTY_LAYER_DIGEST, EMPTY_LAYER_GZIP, generateKey, signSchema1, toSchema1, verifySchema1 } from '../legacy/api.js';
import { parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/mediatypes.js';
import type { Descriptor, Platform } from '../oci/types.js';
import { copyBlob } from './blob.js';
import type { OnEvent } from './events.js';
import { DEFAULT_JOBS, Limiter } from './limit.js';
import type { CopyImageResult } from './operations.js';
import { hostPlatform, selectPlatform } from './select.js';

export interface Schema1PushOptions {
  /** Repository name written into the manifest (the destination's, without registry). */
  name: string;
  tag: string;
  /** Signing key (libtrust); a throwaway EC P-256 key when absent, as docker and skopeo did. */
  key?: KeyObject;
  platform?: Platform;
  jobs?: number;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

type ManifestPutter = { manifests: { put(reference: string, bytes: Uint8Array, mediaType: string): Promise<unknown> } };
const canPut = (t: unknown): t is ManifestPutter => typeof (t as Partial<ManifestPutter>).manifests?.put === 'function';

const GZIP_LAYERS = new Set<string>([MediaType.OciLayerGzip, MediaType.DockerLayer]);

async function read(src: ReadOnlyTarget, desc: Descriptor, signal?: AbortSignal): Promise<Buffer> {
  try {
    return await fetchBytes(src, desc, { signal });
  } catch (e) {
    throw new CopyError('source', `${desc.digest}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Push an image as a signed schema 1 manifest (for legacy registries): layers copied as they are
 * (gzip only), the gzipped empty tar for empty history entries, the manifest built as docker did
 * (legacy/to-schema1.ts), signed, and put by tag.
 */
export async function copyImageAsSchema1(src: ReadOnlyTarget, reference: string, dst: Target, o: Schema1PushOptions): Promise<CopyImageResult> {
  const onEvent = o.onEvent ?? (() => undefined);
  let source: Descriptor;
  try {
    source = await src.resolve(reference, { signal: o.signal });
  } catch (e) {
    if (e instanceof DistError && (e.code === 'USAGE' || e.code === 'COPY')) throw e;
    throw new CopyError('source', `${reference || 'image'}: ${(e as Error).message}`, { cause: e });
  }
  onEvent({ type: 'resolved', reference, digest: source.digest, mediaType: source.mediaType, size: source.size });
  let root = source;
  let parsed = parseManifest(await read(src, root, o.signal), root.mediaType);
  if (parsed.kind === 'index') {
    root = selectPlatform(parsed.manifest, o.platform ?? hostPlatform());
    parsed = parseManifest(await read(src, root, o.signal), root.mediaType);
  }
  if (parsed.kind !== 'image') throw new CopyError('source', `${root.digest}: not an image manifest, cannot convert to schema 1`);
  const layers = parsed.manifest.layers;
  const bad = layers.find((l) => !GZIP_LAYERS.has(l.mediaType));
  if (bad) throw new CopyError('source', `layer ${bad.digest} is ${bad.mediaType}: schema 1 carries gzip layers only`);
  const config = await read(src, parsed.manifest.config, o.signal);
  const { payload, usesEmptyLayer } = toSchema1({ config, layers, name: o.name, tag: o.tag });
  const limiter = new Limiter(o.jobs ?? DEFAULT_JOBS);
  const ctx = { src, dst, onEvent, signal: o.signal };
  const result: CopyImageResult = { source, root, blobs: { copied: 0, skipped: 0, mounted: 0 }, manifests: { pushed: 0, skipped: 0 }, bytes: 0 };
  await Promise.all(layers.map((l) => limiter.run(async () => {
    const outcome = await copyBlob(ctx, l);
    result.blobs[outcome]++;
    if (outcome === 'copied') result.bytes += l.size;
  })));
  const empty: Descriptor = { mediaType: MediaType.DockerLayer, digest: EMPTY_LAYER_DIGEST, size: EMPTY_LAYER_GZIP.length };
  try {
    if (usesEmptyLayer && !(await dst.exists(empty))) await dst.push(empty, Readable.from([EMPTY_LAYER_GZIP]), { signal: o.signal });
    const signed = await signSchema1(payload, [o.key ?? generateKey()]);
    const v = await verifySchema1(signed);
    result.root = { mediaType: MediaType.DockerSchema1Signed, digest: v.digest, size: signed.length };
    // PUT by tag (the manifest names it) straight through the manifest client: its digest is the payload's
    if (!canPut(dst)) throw new CopyError('destination', 'schema 1 manifests can only be pushed to a registry');
    await dst.manifests.put(o.tag || v.digest, signed, MediaType.DockerSchema1Signed);
    result.manifests.pushed++;
    onEvent({ type: 'manifest-pushed', digest: result.root.digest, mediaType: result.root.mediaType, size: result.root.size });
    if (o.tag) onEvent({ type: 'tagged', reference: o.tag, digest: result.root.digest });
  } catch (e) {
    throw e instanceof CopyError ? e : new CopyError('destination', `schema 1 manifest: ${(e as Error).message}`, { cause: e });
  }
  return result;
}
