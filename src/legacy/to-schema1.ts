import { digestOf, encodedOf } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import type { Descriptor } from '../oci/types.js';
import { EMPTY_LAYER_DIGEST } from './empty-layer.js';
import { goMarshalRawMap, goString, goTime, rawMembers } from './gojson.js';

export interface ToSchema1Input {
  /** The image config blob, exact bytes. */
  config: Uint8Array;
  /** The manifest's layers, base first. */
  layers: Descriptor[];
  /** Repository name (without registry) and tag written into the manifest. */
  name: string;
  tag?: string;
}

export interface ToSchema1Result {
  /** The unsigned schema 1 payload (`json.MarshalIndent(m, "", "   ")`): sign it with signSchema1. */
  payload: Buffer;
  /** fsLayers blobSums, newest first (each must exist in the destination repository). */
  blobSums: string[];
  /** Whether the gzipped empty tar (EMPTY_LAYER_GZIP) is referenced and must be pushed. */
  usesEmptyLayer: boolean;
}

interface HistoryEntry { created?: string; author?: string; created_by?: string; comment?: string; empty_layer?: boolean }

const fail = (why: string): RegistryError => new RegistryError('MANIFEST_INVALID', `cannot convert to schema 1: ${why}`);

/** Go struct `v1Compatibility` of distribution's config builder (field order matters). */
function v1Compat(id: string, parent: string, h: HistoryEntry): string {
  let s = `{"id":${goString(id)}`;
  if (parent) s += `,"parent":${goString(parent)}`;
  if (h.comment) s += `,"comment":${goString(h.comment)}`;
  s += `,"created":${goString(goTime(h.created))},"container_config":{"Cmd":[${goString(h.created_by ?? '')}]}`;
  if (h.author) s += `,"author":${goString(h.author)}`;
  if (h.empty_layer) s += ',"throwaway":true';
  return `${s}}`;
}

/**
 * Image → schema 1, as distribution's `configManifestBuilder` (and docker) built it: one fsLayer
 * per config history entry, the gzipped empty tar for `empty_layer` entries (throwaway), v1 IDs
 * chained as sha256(blobSum hex + " " + parent), and the top v1Compatibility = the config minus
 * rootfs/history plus id/parent. A config without history gets one synthesized entry per layer.
 */
export function toSchema1(input: ToSchema1Input): ToSchema1Result {
  const text = Buffer.from(input.config).toString('utf8');
  let cfg: { history?: HistoryEntry[]; rootfs?: { diff_ids?: string[] }; architecture?: string; created?: string };
  try {
    cfg = JSON.parse(text) as typeof cfg;
  } catch {
    throw fail('the config is not valid JSON');
  }
  let history = Array.isArray(cfg.history) ? cfg.history : [];
  if (history.filter((h) => !h.empty_layer).length !== input.layers.length) {
    if (history.length > 0) throw fail(`the config history has ${history.filter((h) => !h.empty_layer).length} layer entries for ${input.layers.length} layers`);
    history = input.layers.map(() => ({ created: cfg.created }));
  }
  if (history.length === 0) throw fail('the image has no layers and no history');
  const n = history.length;
  const fsLayers: string[] = new Array<string>(n);
  const v1: string[] = new Array<string>(n);
  let parent = '';
  let layer = 0;
  let usesEmptyLayer = false;
  const blobSumOf = (h: HistoryEntry): string => {
    if (h.empty_layer) {
      usesEmptyLayer = true;
      return EMPTY_LAYER_DIGEST;
    }
    return input.layers[layer++]!.digest;
  };
  for (let i = 0; i < n - 1; i++) {
    const h = history[i]!;
    const blobSum = blobSumOf(h);
    const id = encodedOf(digestOf(`${encodedOf(blobSum)} ${parent}`));
    v1[n - 1 - i] = v1Compat(id, parent, h);
    fsLayers[n - 1 - i] = blobSum;
    parent = id;
  }
  const top = history[n - 1]!;
  const topSum = blobSumOf(top);
  fsLayers[0] = topSum;
  const topId = encodedOf(digestOf(`${encodedOf(topSum)} ${parent} ${text}`));
  const members = rawMembers(text);
  members.delete('rootfs');
  members.delete('history');
  members.set('id', goString(topId));
  if (parent) members.set('parent', goString(parent));
  if (top.empty_layer) members.set('throwaway', 'true');
  v1[0] = goMarshalRawMap(members);
  const payload = marshalSchema1(input.name, input.tag ?? '', cfg.architecture ?? '', fsLayers, v1);
  return { payload, blobSums: fsLayers, usesEmptyLayer };
}

/** `json.MarshalIndent(schema1.Manifest, "", "   ")`, Go escaping, no trailing newline. */
export function marshalSchema1(name: string, tag: string, arch: string, blobSums: string[], v1: string[]): Buffer {
  const I = '   ';
  const layers = blobSums.map((b) => `${I}${I}{\n${I}${I}${I}"blobSum": ${goString(b)}\n${I}${I}}`).join(',\n');
  const hist = v1.map((h) => `${I}${I}{\n${I}${I}${I}"v1Compatibility": ${goString(h)}\n${I}${I}}`).join(',\n');
  const arr = (body: string): string => (body ? `[\n${body}\n${I}]` : '[]');
  return Buffer.from(
    `{\n${I}"schemaVersion": 1,\n${I}"name": ${goString(name)},\n${I}"tag": ${goString(tag)},\n${I}"architecture": ${goString(arch)},\n` +
      `${I}"fsLayers": ${arr(layers)},\n${I}"history": ${arr(hist)}\n}`,
  );
}
