import { describe, expect, it } from 'vitest';
import type { Digest } from '../../src/digest/digest.js';
import { RegistryError } from '../../src/errors/errors.js';
import type { Schema1Manifest } from '../../src/legacy/schema1.js';
import { schema1Layers, schema1ToOci } from '../../src/legacy/to-oci.js';

const LAYER = `sha256:${'a'.repeat(64)}`;
const manifestWith = (v1Compatibility: string): Schema1Manifest => ({
  schemaVersion: 1, name: 'a/b', tag: 't', architecture: 'amd64', fsLayers: [{ blobSum: LAYER }], history: [{ v1Compatibility }],
});

function invalid(f: () => unknown): string {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RegistryError);
  expect((err as RegistryError).code).toBe('MANIFEST_INVALID');
  return (err as Error).message;
}

describe('schema 1 → OCI refuses v1Compatibility of the wrong shape (MANIFEST_INVALID, not a TypeError)', () => {
  const layer = [{ digest: LAYER as Digest, size: 1, diffId: `sha256:${'b'.repeat(64)}` as Digest }];
  for (const [what, v1] of [
    ['null', 'null'],
    ['a number', '5'],
    ['an array', '[1]'],
    ['Cmd a string', '{"container_config":{"Cmd":"sh"}}'],
    ['Cmd an object', '{"container_config":{"Cmd":{}}}'],
    ['Cmd with a number', '{"container_config":{"Cmd":[1]}}'],
    ['author an object', '{"author":{}}'],
    ['created a number', '{"created":5}'],
    ['throwaway a string', '{"throwaway":"yes"}'],
  ] as const) {
    it(`v1Compatibility ${what}`, () => {
      const m = manifestWith(v1);
      expect(invalid(() => schema1ToOci(m, schema1Layers(m)[0] ? layer : []))).toMatch(/history\[0\]\.v1Compatibility/);
    });
  }

  it('well-formed ones still convert (Cmd null, container_config null)', () => {
    for (const v1 of ['{"container_config":{"Cmd":null}}', '{"container_config":null,"author":"me"}', '{}']) {
      const m = manifestWith(v1);
      expect(schema1ToOci(m, layer).manifest.layers).toHaveLength(1);
    }
  });
});
