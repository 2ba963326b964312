import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { randomImage, storeImage } from '../helpers/layout-fixture.js';
import { buildOnce, PKG } from './helpers.js';
import { tempDir } from '../helpers/temp.js';

beforeAll(() => buildOnce(), 180_000);

describe('package exports (library entry points)', () => {
  it('dist/client, dist/content and dist/server import by name and do a push + pull', async () => {
    for (const e of ['index', 'client', 'content', 'server']) expect(existsSync(join(PKG, 'build/lib', `${e}.d.ts`))).toBe(true);
    const work = tempDir('dist-lib-');
    const img = await randomImage({ layers: 2, size: 3000 });
    await storeImage(await OciLayout.open(join(work, 'src')), img.blobs, 'v1');
    const script = join(PKG, `lib-${Date.now()}.mjs`);
    await writeFile(script, `
      import { pull, push } from 'dist/client';
      import { OciLayout } from 'dist/content';
      import { createRegistry, listen, MemoryDriver, createLogger } from 'dist/server';
      import { parseReference } from 'dist';
      const srv = await listen(createRegistry({ driver: new MemoryDriver(), log: createLogger('silent') }), { host: '127.0.0.1', port: 0 });
      const ref = srv.host + '/lib/app:v1';
      const env = { journal: false };
      const pushed = await push(${JSON.stringify(join(work, 'src'))} + ':v1', ref, env);
      const pulled = await pull(ref, { output: ${JSON.stringify(join(work, 'out'))}, journal: false });
      const layout = await OciLayout.open(${JSON.stringify(join(work, 'out'))});
      console.log(JSON.stringify({ pushed: pushed.root.digest, pulled: pulled.root.digest, tags: await layout.tags(), repo: parseReference(ref).repository }));
      await srv.close(100);
    `);
    const out = await new Promise<string>((res, rej) =>
      execFile(process.execPath, [script], { cwd: PKG }, (e, stdout, stderr) => (e ? rej(new Error(`${e.message}\n${stderr}`)) : res(stdout))),
    );
    const r = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(r).toEqual({ pushed: img.manifest.desc.digest, pulled: img.manifest.desc.digest, tags: ['v1'], repo: 'lib/app' });
  });
});
