import { execFileSync } from 'node:child_process';

/**
 * `prlimit --fsize=BYTES`: run a command whose writes fail (EFBIG) once a file reaches BYTES,
 * which is how a full disk looks to the writer, without root or a small file system.
 */
export function fileSizeLimit(bytes: number): string[] {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('prlimit is missing: install util-linux (apt-get install -y util-linux)');
  }
  return ['prlimit', `--fsize=${bytes}`];
}
