import { randomUUID } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { DistError } from '../../errors/errors.js';
import { MediaType } from '../../oci/mediatypes.js';
import type { ImageIndex } from '../../oci/types.js';
import { withLock } from './lock.js';
import { INDEX_FILE } from './paths.js';

/** index.json may list many tags; still cap what we read into memory. */
export const MAX_INDEX_BYTES = 64 * 1024 * 1024;

export function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
}

export function parseIndex(bytes: Buffer, where: string): ImageIndex {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new DistError('LAYOUT_INVALID', `${where}: index.json is not valid JSON`);
  }
  const o = v as Partial<ImageIndex> | null;
  if (!o || typeof o !== 'object' || o.schemaVersion !== 2 || !Array.isArray(o.manifests)) {
    throw new DistError('LAYOUT_INVALID', `${where}: index.json is not an OCI image index`);
  }
  return o as ImageIndex;
}

async function readIndexFile(root: string): Promise<ImageIndex> {
  const path = join(root, INDEX_FILE);
  const fh = await fsp.open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!fh) return emptyIndex();
  try {
    if ((await fh.stat()).size > MAX_INDEX_BYTES) throw new DistError('LAYOUT_INVALID', `${path} exceeds ${MAX_INDEX_BYTES} bytes`);
    return parseIndex(await fh.readFile(), root);
  } finally {
    await fh.close();
  }
}

/** Write a file atomically: temp file in the same directory, then rename. */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  try {
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

const inProcess = new Map<string, Promise<unknown>>();

/**
 * Read-modify-write index.json safely against other processes (lock file) and other calls in
 * this process (a promise chain per layout): the mutation sees the latest index, and the new
 * file appears by rename, so readers never see a half-written index.
 */
export async function updateIndex(root: string, mutate: (index: ImageIndex) => void): Promise<ImageIndex> {
  const prev = inProcess.get(root) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(() =>
    withLock(join(root, `${INDEX_FILE}.lock`), async () => {
      const index = await readIndexFile(root);
      mutate(index);
      await writeAtomic(join(root, INDEX_FILE), `${JSON.stringify(index)}\n`);
      return index;
    }),
  );
  inProcess.set(root, run);
  try {
    return await run;
  } finally {
    if (inProcess.get(root) === run) inProcess.delete(root);
  }
}
