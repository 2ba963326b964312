import { isDigest, type Digest } from '../digest/digest.js';
import { PathNotFoundError, type StorageDriver } from './driver/driver.js';

/** True when `e` says the path does not exist (the only driver error services translate). */
export function isNotFound(e: unknown): boolean {
  return e instanceof PathNotFoundError;
}

/** Read a link file (a digest string); undefined when missing or not a valid digest. */
export async function readLink(driver: StorageDriver, path: string): Promise<Digest | undefined> {
  let raw: Buffer;
  try {
    raw = await driver.getContent(path);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  const s = raw.toString('utf8').trim();
  return isDigest(s) ? s : undefined;
}

/** Write a link file: the digest string, no newline, atomically (driver temp + rename). */
export async function writeLink(driver: StorageDriver, path: string, digest: Digest): Promise<void> {
  await driver.putContent(path, Buffer.from(digest, 'utf8'));
}

/** Delete a path; false when it was not there. */
export async function deleteIfExists(driver: StorageDriver, path: string): Promise<boolean> {
  try {
    await driver.delete(path);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** List a directory; [] when missing. */
export async function listOrEmpty(driver: StorageDriver, path: string): Promise<string[]> {
  try {
    return await driver.list(path);
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}

/** Size of an object, or undefined when missing (directories count as missing). */
export async function sizeOf(driver: StorageDriver, path: string): Promise<number | undefined> {
  try {
    const st = await driver.stat(path);
    return st.isDir ? undefined : st.size;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
