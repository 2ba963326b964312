import type { Digest } from '../digest/digest.js';
import { digestOf } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import { MediaType } from '../oci/mediatypes.js';
import type { Descriptor, ImageManifest } from '../oci/types.js';
import { goMarshalRawMap, goString, goTime, rawMembers } from './gojson.js';
import type { Schema1Manifest } from './schema1.js';

/** One schema 1 layer that carries content, base first. */
export interface Schema1Layer {
  /** The fsLayers blobSum (sha256 of the gzip, or a tarsum). */
  blobSum: string;
  /** Index in fsLayers/history (0 = top). */
  index: number;
}

/** What the caller learnt while fetching a layer: its sha256, size and uncompressed digest. */
export interface FetchedLayer {
  digest: Digest;
  size: number;
  diffId: Digest;
}

interface V1 { created?: string; author?: string; comment?: string; throwaway?: boolean; container_config?: { Cmd?: string[] | null } }

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isStringOrAbsent = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';

/** The fields read here, with the types Go's decoder (containers/image) requires of them. */
function parseV1(m: Schema1Manifest, i: number): V1 {
  const bad = (why: string): RegistryError => new RegistryError('MANIFEST_INVALID', `history[${i}].v1Compatibility ${why}`);
  let v: unknown;
  try {
    v = JSON.parse(m.history[i]!.v1Compatibility);
  } catch {
    throw bad('is not valid JSON');
  }
  if (!isObject(v)) throw bad('is not a JSON object');
  for (const k of ['created', 'author', 'comment']) if (!isStringOrAbsent(v[k])) throw bad(`"${k}" is not a string`);
  if (v.throwaway !== undefined && v.throwaway !== null && typeof v.throwaway !== 'boolean') throw bad('"throwaway" is not a boolean');
  const cc = v.container_config;
  if (cc !== undefined && cc !== null && !isObject(cc)) throw bad('"container_config" is not an object');
  const cmd = cc?.Cmd;
  if (cmd !== undefined && cmd !== null && !(Array.isArray(cmd) && cmd.every((c) => typeof c === 'string'))) throw bad('"container_config.Cmd" is not an array of strings');
  return v as V1;
}

/** The layers to fetch, base first: every fsLayer except throwaway (empty-history) ones. */
export function schema1Layers(m: Schema1Manifest): Schema1Layer[] {
  const out: Schema1Layer[] = [];
  for (let i = m.fsLayers.length - 1; i >= 0; i--) if (!parseV1(m, i).throwaway) out.push({ blobSum: m.fsLayers[i]!.blobSum, index: i });
  return out;
}

export interface Schema1ToOciResult {
  config: Buffer;
  manifest: ImageManifest;
  /** The manifest's exact bytes (what to store and digest). */
  manifestBytes: Buffer;
  digest: Digest;
}

/**
 * Schema 1 → image (as containers/image `ToSchema2Config` does): the config is the top
 * v1Compatibility minus id/parent/parent_id/layer_id/throwaway/Size, plus `rootfs` (the diff IDs)
 * and `history` rebuilt from every v1Compatibility (oldest first); layers reversed (base first),
 * throwaway layers dropped. `layers` are the fetched `schema1Layers(m)`, in the same order.
 */
export function schema1ToOci(m: Schema1Manifest, layers: FetchedLayer[], opts: { format?: 'oci' | 'docker' } = {}): Schema1ToOciResult {
  const wanted = schema1Layers(m);
  if (layers.length !== wanted.length) throw new RegistryError('MANIFEST_INVALID', `expected ${wanted.length} layers, got ${layers.length}`);
  const history: string[] = [];
  for (let i = m.history.length - 1; i >= 0; i--) {
    const v = parseV1(m, i);
    let h = `{"created":${goString(goTime(v.created))}`;
    if (v.author) h += `,"author":${goString(v.author)}`;
    const by = (v.container_config?.Cmd ?? []).join(' ');
    if (by) h += `,"created_by":${goString(by)}`;
    if (v.comment) h += `,"comment":${goString(v.comment)}`;
    if (v.throwaway) h += ',"empty_layer":true';
    history.push(`${h}}`);
  }
  const members = rawMembers(m.history[0]!.v1Compatibility);
  for (const k of ['id', 'parent', 'parent_id', 'layer_id', 'throwaway', 'Size']) members.delete(k);
  members.set('rootfs', `{"type":"layers","diff_ids":[${layers.map((l) => goString(l.diffId)).join(',')}]}`);
  members.set('history', `[${history.join(',')}]`);
  const config = Buffer.from(goMarshalRawMap(members));
  const oci = (opts.format ?? 'oci') === 'oci';
  const configDesc: Descriptor = { mediaType: oci ? MediaType.OciConfig : MediaType.DockerConfig, digest: digestOf(config), size: config.length };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: oci ? MediaType.OciManifest : MediaType.DockerManifest,
    config: configDesc,
    layers: layers.map((l) => ({ mediaType: oci ? MediaType.OciLayerGzip : MediaType.DockerLayer, digest: l.digest, size: l.size })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return { config, manifest, manifestBytes, digest: digestOf(manifestBytes) };
}
