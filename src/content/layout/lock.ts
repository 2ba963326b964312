import * as fsp from 'node:fs/promises';
import { DistError } from '../../errors/errors.js';

/**
 * Cross-process lock files: created with O_EXCL and holding the owner's pid. A lock whose
 * owner is dead (a SIGKILLed pull) is stale and taken over.
 */
export type Release = () => Promise<void>;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock if free (or stale); undefined when a live process holds it. */
export async function tryLock(path: string): Promise<Release | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await fsp.open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        await fsp.rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number((await fsp.readFile(path, 'utf8').catch(() => '')).trim());
    if (owner > 0 && alive(owner)) return undefined;
    // Stale (or half-written: give the writer a moment before stealing).
    if (!owner) await new Promise((r) => setTimeout(r, 20));
    await fsp.rm(path, { force: true });
  }
  return undefined;
}

/** Wait for the lock (polling with backoff), run `fn`, release. */
export async function withLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const release = await tryLock(path);
    if (release) {
      try {
        return await fn();
      } finally {
        await release();
      }
    }
    if (Date.now() > deadline) throw new DistError('LOCKED', `${path} is locked by another process`);
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 200);
  }
}
