import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Run Debian's skopeo and return its stdout (fails with skopeo's stderr in the error). */
export async function skopeo(...args: string[]): Promise<string> {
  return (await run('skopeo', args, { timeout: 120_000, maxBuffer: 64 << 20 })).stdout;
}
