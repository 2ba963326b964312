import type { Readable } from 'node:stream';

/**
 * Read access to the files of an OCI layout, wherever they are (a directory, a tar file).
 * Names are layout-relative with `/` separators (`index.json`, `blobs/sha256/<hex>`).
 */
export interface FileSource {
  /** Size of a regular file, or undefined when absent. */
  size(name: string): Promise<number | undefined>;
  /** Stream a file from `offset`. Throws a NodeJS ENOENT-coded error when absent. */
  open(name: string, offset?: number): Promise<Readable>;
  /** A human-readable description for messages. */
  readonly description: string;
}

export function notFound(name: string, where: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${name}: no such file in ${where}`);
  e.code = 'ENOENT';
  return e;
}
