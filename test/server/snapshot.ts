import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file and directory under `dir` with a content hash: equal snapshots mean no change on disk. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(dir, rel))) {
      const p = rel ? `${rel}/${name}` : name;
      const st = await stat(join(dir, p));
      if (st.isDirectory()) {
        out[`${p}/`] = 'dir';
        await walk(p);
      } else {
        out[p] = createHash('sha256').update(await readFile(join(dir, p))).digest('hex');
      }
    }
  };
  await walk('');
  return out;
}
