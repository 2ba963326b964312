import { hashFileBehindWriter, type FileHash } from '../content/file-hasher.js';
import type { Algorithm, Digest } from '../digest/digest.js';
import { Digester } from '../digest/digester.js';

/**
 * The running digest of one upload session. Where the upload's data is a local file (the
 * filesystem driver), the file is hashed by the hashing worker behind the writes, so the server's
 * event loop, which parses every upload's bytes, does not hash them too: `perf record` of dist serve
 * receiving a 1 GiB push had 71 % of its samples on the main thread, a third of them SHA-256.
 * Elsewhere (S3, memory) the bytes are hashed here as they arrive.
 */
export interface UploadHash {
  readonly algorithm: Algorithm;
  /** Bytes accounted for so far. */
  readonly size: number;
  /** Bytes that arrived (after they were handed to the writer). */
  update(chunk: Uint8Array): void;
  /** The data file now holds `bytes` on disk (a file-backed hash may read up to there). */
  flushed(bytes: number): void;
  /** Digest of the `size` bytes; the data file must hold them all. */
  digest(): Promise<Digest>;
  /** Drop it (the upload ended, or its bytes no longer match what this hash saw). */
  cancel(): void;
}

/** A hash for an upload starting at byte 0: of `localPath` on the hashing worker when given. */
export function uploadHash(localPath: string | undefined, algorithm: Algorithm = 'sha256'): UploadHash {
  if (!localPath) {
    const d = new Digester(algorithm);
    return {
      algorithm,
      get size() {
        return d.size;
      },
      update: (c) => d.update(c),
      flushed() {},
      digest: async () => d.digest(),
      cancel() {},
    };
  }
  const file: FileHash = hashFileBehindWriter(localPath, algorithm, { keepAlive: false });
  let size = 0;
  return {
    algorithm,
    get size() {
      return size;
    },
    update: (c) => void (size += c.length),
    flushed: (bytes) => file.wrote(bytes),
    digest: () => file.digest(size),
    cancel: () => file.cancel(),
  };
}
