import { close, open, read } from 'node:fs';

const FIRST_READ = 8 * 1024;
const noop = (): void => undefined;

/**
 * Read a whole small file with callback open + read + close: three thread-pool hops instead of
 * fs.readFile's four (it fstats first), and the answer does not wait for the close. A read shorter
 * than asked is the end of a regular file; a file filling the first buffer is read on in doubling
 * pieces. Errors are the fs errors (ENOENT, EISDIR…) for the caller to map.
 */
export function readWhole(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    open(file, 'r', (err, fd) => {
      if (err) return reject(err);
      const parts: Buffer[] = [];
      let total = 0;
      const next = (size: number): void => {
        const buf = Buffer.allocUnsafeSlow(size);
        read(fd, buf, 0, size, total, (e, n) => {
          if (e) {
            close(fd, noop);
            return reject(e);
          }
          total += n;
          if (n === size) {
            parts.push(buf);
            return next(size * 2);
          }
          close(fd, noop);
          const last = Buffer.allocUnsafeSlow(n);
          buf.copy(last, 0, 0, n);
          parts.push(last);
          resolve(parts.length === 1 ? last : Buffer.concat(parts, total));
        });
      };
      next(FIRST_READ);
    });
  });
}
