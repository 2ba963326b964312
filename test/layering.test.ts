import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The architecture's layers, lowest first. A module may import only from its own layer or lower. */
const LAYERS: Array<[prefix: string, layer: number]> = [
  ['errors/', 1], ['ref/', 1], ['digest/', 1],
  ['oci/', 2],
  ['content/', 3],
  ['transport/', 4], ['auth/', 4], ['storage/driver/', 4],
  ['client/', 5], ['storage/', 5], ['legacy/', 5],
  ['copy/', 6], ['server/', 6],
  ['cli/', 7],
  ['index.ts', 8], ['lib/', 8],
];

const SRC = resolve(__dirname, '../src');

export function layerOf(rel: string): number {
  const hit = LAYERS.find(([p]) => rel.startsWith(p));
  if (!hit) throw new Error(`${rel} is in no layer: add its directory to the table in test/layering.test.ts`);
  return hit[1];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2])!);
  return out;
}

describe('layering', () => {
  it('the checker itself catches an upward import', () => {
    expect(layerOf('digest/digest.ts')).toBeLessThan(layerOf('server/app.ts'));
    expect(importsOf("import { x } from '../server/app.js';\nconst m = await import('../cli/main.js');")).toEqual(['../server/app.js', '../cli/main.js']);
  });

  it('no module under src/ imports from a higher layer', () => {
    const violations: string[] = [];
    for (const file of walk(SRC)) {
      const rel = relative(SRC, file);
      const mine = layerOf(rel);
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
        const theirs = layerOf(target);
        if (theirs > mine) violations.push(`${rel} (layer ${mine}) imports ${target} (layer ${theirs})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
