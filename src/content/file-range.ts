import type { Readable } from 'node:stream';

/** Where a body's bytes lie in a file: `path` from byte `start` on (up to `end`, exclusive, when set). */
export interface FileRange {
  path: string;
  start: number;
  end?: number;
}

const ranges = new WeakMap<Readable, FileRange>();

/**
 * Record that `stream` reads `path` from `start` (a layout blob, a blob inside a tar archive), so an
 * upload can read the file itself into reused buffers instead of consuming the stream
 * (transport/direct-upload.ts). The stream stays an ordinary Readable for everyone else.
 */
export function withFileRange<T extends Readable>(stream: T, range: FileRange): T {
  ranges.set(stream, range);
  return stream;
}

export function fileRangeOf(stream: unknown): FileRange | undefined {
  return typeof stream === 'object' && stream !== null ? ranges.get(stream as Readable) : undefined;
}
