import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { UploadJournal } from '../../src/client/journal.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { digestOf } from '../../src/digest/digest.js';
import { SizeMismatchError } from '../../src/errors/errors.js';
import type { Descriptor } from '../../src/oci/types.js';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';

// A streamed upload (no chunk size) whose SOURCE fails must not be mistaken for a short source:
// a network failure re-opens the source and continues; a short source is a size mismatch.
const MiB = 1024 * 1024;
const bytes = randomBytes(20 * MiB + 11);
const desc: Descriptor = { mediaType: 'application/octet-stream', digest: digestOf(bytes), size: bytes.length };

/** 1 MiB chunks; after `upTo` bytes, fail like a dropped download (or end, when `end`). */
function source(upTo: number, how: 'reset' | 'end'): Readable {
  let at = 0;
  return new Readable({
    read() {
      if (at >= upTo) {
        if (how === 'end') this.push(null);
        else this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
        return;
      }
      const n = Math.min(MiB, upTo - at);
      this.push(bytes.subarray(at, at + n));
      at += n;
    },
  });
}

describe('streamed upload, failing source', () => {
  const reg = shared(startRegistry);

  for (const at of [8 * MiB, 8 * MiB + 12345]) {
    it(`a source reset after ${at} bytes is re-opened and the blob completes`, async () => {
      const state = tempDir('dist-state-');
      const repo = new RemoteRepository(reg.host, `src/reset${at}`, { journal: new UploadJournal(state) });
      let reopened = 0;
      await repo.push(desc, source(at, 'reset'), {
        reopen: async () => {
          reopened++;
          return Readable.from([bytes]);
        },
      });
      expect(reopened).toBe(1);
      expect((await readAll(await repo.fetch(desc))).equals(bytes)).toBe(true);
      expect(await readdir(join(state, 'uploads')).catch(() => [])).toEqual([]);
    });
  }

  it('a source that ends early is a size mismatch, not a retry', async () => {
    const repo = new RemoteRepository(reg.host, 'src/short', { journal: new UploadJournal(tempDir('dist-state-')) });
    let reopened = 0;
    const err = await repo.push(desc, source(8 * MiB, 'end'), { reopen: async () => { reopened++; return Readable.from([bytes]); } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect((err as SizeMismatchError).actual).toBe(8 * MiB);
    expect(reopened).toBe(0);
  });
});
