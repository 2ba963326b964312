import { stat, readFile } from 'node:fs/promises';
import { UsageError } from '../../errors/errors.js';
import type { Logger } from '../observe/log.js';
import { BCRYPT_RE, BcryptVerifier } from './bcrypt.js';

/**
 * An htpasswd file of bcrypt entries (`user:$2y$…`), re-read when its mtime or size changes.
 * Comments (`#`) and blank lines are skipped; a corrupt line (no `:`, or not bcrypt) is skipped
 * with a log line naming its line number (never its content).
 */
export class HtpasswdFile {
  private users = new Map<string, string>();
  private stamp = '';
  private readonly verifier = new BcryptVerifier();
  private checking: Promise<void> | undefined;

  constructor(readonly path: string, private readonly log: Logger) {}

  /**
   * Load the file; throws when it cannot be read (startup refuses a missing file), or when it has
   * entries and none is usable (e.g. MD5 or SHA-1 hashes): a server nobody can log in to is a
   * mistake to report, not to serve. A reload that fails keeps the previous entries.
   */
  async load(): Promise<void> {
    const st = await stat(this.path);
    const text = await readFile(this.path, 'utf8');
    const corrupt: number[] = [];
    const users = this.parse(text, corrupt);
    if (users.size === 0 && corrupt.length > 0) {
      throw new UsageError(`${this.path}: no usable entry (line ${corrupt.slice(0, 5).join(', ')}${corrupt.length > 5 ? ', …' : ''} not user:bcrypt-hash); create entries with \`htpasswd -B\``);
    }
    for (const line of corrupt) this.log.warn('htpasswd: skipping corrupt line (need user:bcrypt-hash)', { path: this.path, line });
    this.users = users;
    this.stamp = `${st.mtimeMs}:${st.size}`;
    this.verifier.reset();
  }

  /** Re-read the file if it changed since the last load (keeps the old entries when it vanished). */
  async refresh(): Promise<void> {
    this.checking ??= (async () => {
      try {
        const st = await stat(this.path);
        if (`${st.mtimeMs}:${st.size}` !== this.stamp) {
          await this.load();
          this.log.info('htpasswd file reloaded', { path: this.path, users: this.users.size });
        }
      } catch (e) {
        this.log.warn('htpasswd file unreadable, keeping previous entries', { path: this.path, error: (e as Error).message });
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  get size(): number {
    return this.users.size;
  }

  private parse(text: string, corrupt: number[]): Map<string, string> {
    const out = new Map<string, string>();
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const c = line.indexOf(':');
      const user = c > 0 ? line.slice(0, c) : '';
      const hash = c > 0 ? line.slice(c + 1).trim() : '';
      if (!user || !BCRYPT_RE.test(hash)) {
        corrupt.push(i + 1);
        return;
      }
      out.set(user, hash);
    });
    return out;
  }

  /** Check a user's password in time that does not depend on whether the user exists. */
  async verify(user: string, pass: string): Promise<boolean> {
    await this.refresh();
    return this.verifier.verify(this.users.get(user), user, pass);
  }
}
