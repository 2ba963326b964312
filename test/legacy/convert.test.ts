import { describe, expect, it } from 'vitest';
import { digestOf, type Digest } from '../../src/digest/digest.js';
import { EMPTY_LAYER_DIGEST, EMPTY_LAYER_GZIP } from '../../src/legacy/empty-layer.js';
import { goCompact, goString, goTime } from '../../src/legacy/gojson.js';
import { parseSchema1 } from '../../src/legacy/schema1.js';
import { schema1Layers, schema1ToOci } from '../../src/legacy/to-oci.js';
import { marshalSchema1, toSchema1 } from '../../src/legacy/to-schema1.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { testdata } from './testdata.js';

const d = (c: string): Digest => `sha256:${c.repeat(64)}` as Digest;

describe('Go JSON rules', () => {
  it('escapes like encoding/json', () => {
    expect(goString('a<b>&"\\\n\t\u0001\u2028é')).toBe('"a\\u003cb\\u003e\\u0026\\"\\\\\\n\\t\\u0001\\u2028é"');
    expect(goCompact('{ "a" : [1, 2], "b":"x <y>" }')).toBe('{"a":[1,2],"b":"x \\u003cy\\u003e"}');
  });
  it('formats times as Go time.Time marshals them', () => {
    expect(goTime('2015-08-06T23:53:22.608577814Z')).toBe('2015-08-06T23:53:22.608577814Z');
    expect(goTime('2015-08-06T23:53:22.500000000+00:00')).toBe('2015-08-06T23:53:22.5Z');
    expect(goTime('2015-08-06T23:53:22.000Z')).toBe('2015-08-06T23:53:22Z');
    expect(goTime(undefined)).toBe('0001-01-01T00:00:00Z');
  });
  it('the gzipped empty tar is a3ed95ca…', () => {
    expect(digestOf(EMPTY_LAYER_GZIP)).toBe(EMPTY_LAYER_DIGEST);
  });
});

describe('schema 1 payload serialisation', () => {
  for (const f of ['hello-world-good-manifest.json', 'example-b-signed.json']) {
    it(`re-marshalling ${f} gives its payload byte for byte`, () => {
      const s1 = parseSchema1(testdata('schema1', f));
      const m = s1.manifest;
      const out = marshalSchema1(m.name, m.tag, m.architecture, m.fsLayers.map((l) => l.blobSum), m.history.map((h) => h.v1Compatibility));
      expect(out.toString()).toBe(s1.payload.toString());
    });
  }
});

describe('schema 1 → image', () => {
  const s1 = parseSchema1(testdata('schema1', 'hello-world-good-manifest.json')).manifest;

  it('lists layers base first and synthesises the config from v1Compatibility', () => {
    expect(schema1Layers(s1).map((l) => l.blobSum)).toEqual([s1.fsLayers[1]!.blobSum, s1.fsLayers[0]!.blobSum]);
    const r = schema1ToOci(s1, [
      { digest: d('1'), size: 10, diffId: d('a') },
      { digest: d('2'), size: 20, diffId: d('b') },
    ]);
    const cfg = JSON.parse(r.config.toString());
    expect(cfg.rootfs).toEqual({ type: 'layers', diff_ids: [d('a'), d('b')] });
    expect(cfg.history).toEqual([
      { created: '2015-08-06T23:53:22.241352727Z', created_by: '/bin/sh -c #(nop) COPY file:4abd3bff60458ca3b079d7b131ce26b2719055a030dfa96ff827da2b7c7038a7 in /' },
      { created: '2015-08-06T23:53:22.608577814Z', created_by: '/bin/sh -c #(nop) CMD ["/hello"]' },
    ]);
    for (const k of ['id', 'parent', 'Size']) expect(cfg).not.toHaveProperty(k);
    expect(cfg.architecture).toBe('amd64');
    expect(cfg.config.Cmd).toEqual(['/hello']);
    expect(Object.keys(cfg)).toEqual([...Object.keys(cfg)].sort());
    expect(r.manifest.layers.map((l) => l.digest)).toEqual([d('1'), d('2')]);
    expect(r.manifest.mediaType).toBe(MediaType.OciManifest);
    expect(r.manifest.config.digest).toBe(digestOf(r.config));
    expect(r.digest).toBe(digestOf(r.manifestBytes));
  });
});

describe('image → schema 1', () => {
  const layers = [
    { mediaType: MediaType.DockerLayer, digest: d('1'), size: 100 },
    { mediaType: MediaType.DockerLayer, digest: d('2'), size: 200 },
  ];
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-02T03:04:05.1Z',
    config: { Cmd: ['/bin/sh'], Env: ['A=<b>'] },
    rootfs: { type: 'layers', diff_ids: [d('a'), d('b')] },
    history: [
      { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:x in /' },
      { created: '2024-01-01T00:00:01Z', created_by: '/bin/sh -c #(nop) ENV A=<b>', empty_layer: true },
      { created: '2024-01-01T00:00:02Z', created_by: '/bin/sh -c make', author: 'me', comment: 'built' },
      { created: '2024-01-02T03:04:05.1Z', created_by: '/bin/sh -c #(nop) CMD ["/bin/sh"]', empty_layer: true },
    ],
  }));

  it('builds one fsLayer per history entry, throwaway empty layers, chained v1 IDs', () => {
    const r = toSchema1({ config, layers, name: 'library/x', tag: 'v1' });
    const s1 = parseSchema1(r.payload);
    const m = s1.manifest;
    expect(m.name).toBe('library/x');
    expect(m.tag).toBe('v1');
    expect(m.architecture).toBe('amd64');
    expect(m.fsLayers.map((l) => l.blobSum)).toEqual([EMPTY_LAYER_DIGEST, d('2'), EMPTY_LAYER_DIGEST, d('1')]);
    expect(r.usesEmptyLayer).toBe(true);
    const v1 = m.history.map((h) => JSON.parse(h.v1Compatibility));
    const base = digestOf(`${'1'.repeat(64)} `).slice(7);
    expect(v1[3]).toEqual({ id: base, created: '2024-01-01T00:00:00Z', container_config: { Cmd: ['/bin/sh -c #(nop) ADD file:x in /'] } });
    expect(v1[2]).toMatchObject({ parent: base, throwaway: true });
    expect(m.history[1]!.v1Compatibility).toMatch(/^\{"id":"[0-9a-f]{64}","parent":"[0-9a-f]{64}","comment":"built","created":"2024-01-01T00:00:02Z","container_config":\{"Cmd":\["\/bin\/sh -c make"\]\},"author":"me"\}$/);
    expect(v1[0].parent).toBe(v1[1].id);
    expect(v1[0].throwaway).toBe(true);
    expect(v1[0]).not.toHaveProperty('rootfs');
    expect(v1[0]).not.toHaveProperty('history');
    expect(m.history[0]!.v1Compatibility).toContain('"Env":["A=\\u003cb\\u003e"]');
    expect(v1[0].id).toBe(digestOf(`${EMPTY_LAYER_DIGEST.slice(7)} ${v1[1].id} ${config.toString()}`).slice(7));
  });

  it('round-trips through schema1ToOci keeping history and diff IDs', () => {
    const m = parseSchema1(toSchema1({ config, layers, name: 'library/x', tag: 'v1' }).payload).manifest;
    expect(schema1Layers(m).map((l) => l.blobSum)).toEqual([d('1'), d('2')]);
    const back = schema1ToOci(m, [
      { digest: d('1'), size: 100, diffId: d('a') },
      { digest: d('2'), size: 200, diffId: d('b') },
    ]);
    const cfg = JSON.parse(back.config.toString());
    expect(cfg.rootfs.diff_ids).toEqual([d('a'), d('b')]);
    expect(cfg.history.map((h: { empty_layer?: boolean }) => !!h.empty_layer)).toEqual([false, true, false, true]);
    expect(cfg.history[2]).toEqual({ created: '2024-01-01T00:00:02Z', author: 'me', created_by: '/bin/sh -c make', comment: 'built' });
    expect(cfg.config.Env).toEqual(['A=<b>']);
  });

  it('synthesises history for a config without one, and refuses an inconsistent one', () => {
    const bare = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [d('a'), d('b')] } }));
    const m = parseSchema1(toSchema1({ config: bare, layers, name: 'x' }).payload).manifest;
    expect(m.fsLayers.map((l) => l.blobSum)).toEqual([d('2'), d('1')]);
    expect(m.tag).toBe('');
    const bad = Buffer.from(JSON.stringify({ history: [{ created_by: 'only one' }] }));
    expect(() => toSchema1({ config: bad, layers, name: 'x' })).toThrow(/history/);
  });
});
