import { RegistryError } from '../errors/errors.js';
import type { ParsedManifest } from '../oci/manifest.js';

/**
 * The optional fields of an OCI/Docker schema 2 manifest that `parseManifest` does not check, as
 * distribution's typed decoding would refuse them (JSON null stays allowed, as there):
 * `annotations` a map of strings, `artifactType` a string, `urls` an array of strings, `platform`
 * an object whose `os`/`architecture`/`variant`/`os.version` are strings. Without this a manifest
 * with `"annotations": "x"` was stored and the referrers index served that value as a descriptor's
 * annotations, and `"urls": "…"` on a foreign layer threw a TypeError (a 500).
 */
export function checkManifestShape(p: ParsedManifest): void {
  if (p.kind === 'schema1') return;
  const m = p.manifest as unknown as Record<string, unknown>;
  stringMap(m.annotations, 'annotations');
  optionalString(m.artifactType, 'artifactType');
  const descriptors: Array<[unknown, string]> =
    p.kind === 'image'
      ? [[m.config, 'config'], ...p.manifest.layers.map((l, i): [unknown, string] => [l, `layers[${i}]`])]
      : p.manifest.manifests.map((d, i): [unknown, string] => [d, `manifests[${i}]`]);
  if (!absent(m.subject)) descriptors.push([m.subject, 'subject']);
  for (const [d, where] of descriptors) descriptor(d as Record<string, unknown>, where);
}

function descriptor(d: Record<string, unknown>, where: string): void {
  stringMap(d.annotations, `${where}.annotations`);
  optionalString(d.artifactType, `${where}.artifactType`);
  if (!absent(d.urls) && (!Array.isArray(d.urls) || d.urls.some((u) => typeof u !== 'string'))) throw invalid(`${where}.urls must be an array of strings`);
  if (!absent(d.platform)) {
    if (!isObject(d.platform)) throw invalid(`${where}.platform must be an object`);
    for (const k of ['os', 'architecture', 'variant', 'os.version']) optionalString(d.platform[k], `${where}.platform.${k}`);
  }
}

function stringMap(v: unknown, where: string): void {
  if (!absent(v) && (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string'))) throw invalid(`${where} must be an object of strings`);
}

function optionalString(v: unknown, where: string): void {
  if (!absent(v) && typeof v !== 'string') throw invalid(`${where} must be a string`);
}

const absent = (v: unknown): boolean => v === undefined || v === null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(why: string): RegistryError {
  return new RegistryError('MANIFEST_INVALID', `manifest invalid: ${why}`);
}
