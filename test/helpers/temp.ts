import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

/**
 * A fresh directory under the OS temp dir. Every directory made here is removed (recursively)
 * after the last test of the test file that imported this module: the hook below is registered
 * when the file is collected, and vitest runs after-hooks in reverse order, so it runs after the
 * file's own `afterAll`s (servers are closed before their data directory goes).
 */
export function tempDir(prefix = 'dist-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove every directory `tempDir` made so far (also usable in an `afterEach`). */
export async function removeTempDirs(): Promise<void> {
  const dirs = made.splice(0);
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true, maxRetries: 3 })));
}

afterAll(removeTempDirs);
