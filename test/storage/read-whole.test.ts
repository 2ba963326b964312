import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PathNotFoundError } from '../../src/storage/driver/driver.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { readWhole } from '../../src/storage/driver/read-whole.js';
import { tempDir } from '../helpers/temp.js';

describe('readWhole (the filesystem driver getContent)', () => {
  it('reads files of every size around its 8 KiB first read byte-exact', async () => {
    const dir = tempDir();
    for (const size of [0, 1, 71, 8191, 8192, 8193, 3 * 8192, 100_000]) {
      const data = randomBytes(size);
      const file = join(dir, `f${size}`);
      await writeFile(file, data);
      const got = await readWhole(file);
      expect(got.length).toBe(size);
      expect(got.equals(data)).toBe(true);
    }
  });

  it('a missing file or a directory is PathNotFoundError through the driver', async () => {
    const dir = tempDir();
    await mkdir(join(dir, 'd'));
    const d = new FilesystemDriver(dir);
    await expect(d.getContent('/missing')).rejects.toBeInstanceOf(PathNotFoundError);
    await expect(d.getContent('/d')).rejects.toBeInstanceOf(PathNotFoundError);
    await expect(readWhole(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
