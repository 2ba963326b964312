import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What the journal remembers about one blob upload after each acknowledged chunk. */
export interface JournalEntry {
  registry: string;
  repository: string;
  digest: string;
  size: number;
  /** The newest upload `Location` the registry gave (absolute URL). */
  location: string;
  /** Bytes the registry acknowledged. */
  offset: number;
  updatedAt: string;
}

/** `$DIST_STATE_DIR`, else `$XDG_STATE_HOME/dist`, else `~/.local/state/dist`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DIST_STATE_DIR) return env.DIST_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'dist');
  return join(env.HOME || homedir(), '.local', 'state', 'dist');
}

/**
 * Resumable-upload journal: one small JSON file per (registry, repository, digest) under
 * `<state dir>/uploads/`, written atomically, removed when the blob is complete.
 */
export class UploadJournal {
  readonly dir: string;
  constructor(stateDir: string = defaultStateDir()) {
    this.dir = join(stateDir, 'uploads');
  }

  private file(registry: string, repository: string, digest: string): string {
    const h = createHash('sha256').update(`${registry}\0${repository}\0${digest}`).digest('hex').slice(0, 32);
    return join(this.dir, `${h}.json`);
  }

  async get(registry: string, repository: string, digest: string): Promise<JournalEntry | undefined> {
    try {
      const e = JSON.parse(await readFile(this.file(registry, repository, digest), 'utf8')) as JournalEntry;
      if (e.registry !== registry || e.repository !== repository || e.digest !== digest) return undefined;
      if (typeof e.location !== 'string' || typeof e.offset !== 'number') return undefined;
      return e;
    } catch {
      return undefined;
    }
  }

  async save(e: Omit<JournalEntry, 'updatedAt'>): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = this.file(e.registry, e.repository, e.digest);
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify({ ...e, updatedAt: new Date().toISOString() }), { mode: 0o600 });
    await rename(tmp, path);
  }

  async delete(registry: string, repository: string, digest: string): Promise<void> {
    await rm(this.file(registry, repository, digest), { force: true });
  }
}
