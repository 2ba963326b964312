import type { StorageDriver } from './driver/driver.js';
import { listOrEmpty } from './links.js';
import { paths } from './paths.js';

/**
 * Repository listing (distribution's walk): a directory under `repositories/` that contains
 * `_manifests` is a repository; directories starting with `_` are not descended.
 */
export class Catalog {
  constructor(private readonly driver: StorageDriver) {}

  async all(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (prefix: string): Promise<void> => {
      const dir = prefix ? paths.repo(prefix) : paths.reposRoot;
      const children = await listOrEmpty(this.driver, dir);
      if (prefix && children.includes('_manifests')) out.push(prefix);
      for (const c of children) {
        if (c.startsWith('_') || !/^[a-z0-9][a-z0-9._-]*$/.test(c)) continue;
        await walk(prefix ? `${prefix}/${c}` : c);
      }
    };
    await walk('');
    return out.sort();
  }

  /** One page: entries strictly after `last`, at most `n`; `more` when entries remain. */
  async page(n: number, last?: string): Promise<{ repositories: string[]; more: boolean }> {
    const all = (await this.all()).filter((r) => last === undefined || r > last);
    return { repositories: all.slice(0, n), more: all.length > n };
  }
}
