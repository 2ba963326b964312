import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, dist } from '../cli/helpers.js';
import { tempDir } from '../helpers/temp.js';
import { tarOf } from './tar-writer.js';

beforeAll(() => {
  buildOnce();
}, 240_000);

describe('dist tarsum --extra is metadata: capped at 4 MiB', () => {
  it('a 5 MiB --extra file is a usage error (exit 2), one line, no stack trace; 4 MiB is fine', async () => {
    const dir = tempDir('dist-hostile-cli-');
    const tar = join(dir, 'layer.tar');
    writeFileSync(tar, tarOf([{ name: 'f', body: 'x' }]));
    writeFileSync(join(dir, 'big.json'), Buffer.alloc(5 * 1024 * 1024, 0x20));
    writeFileSync(join(dir, 'ok.json'), Buffer.alloc(4 * 1024 * 1024, 0x20));
    const big = await dist(['tarsum', '--extra', join(dir, 'big.json'), tar]);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/^dist: --extra .*larger than 4194304 bytes\n$/);
    const ok = await dist(['tarsum', '--extra', join(dir, 'ok.json'), tar]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^tarsum\.v1\+sha256:[a-f0-9]{64}\n$/);
  }, 60_000);
});
