import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiveWriter } from '../../src/content/archive/archive-writer.js';
import { tempDir } from '../helpers/temp.js';

describe('ArchiveWriter.abort', () => {
  it('right after construction (the temp file still opening) leaves no file behind', async () => {
    const dir = tempDir('dist-archive-abort-');
    for (let i = 0; i < 50; i++) await new ArchiveWriter(join(dir, `a${i}.tar`), i % 2 ? 'oci-archive' : 'docker-archive').abort();
    expect(await readdir(dir)).toEqual([]);
  });
});
