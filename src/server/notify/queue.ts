import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE_RE = /^(\d{16})\.json$/;

/**
 * A durable FIFO on disk: one file per entry, named by a 16-digit sequence number, written to a
 * temp file and renamed into place synchronously, so an entry is on disk before `append`
 * returns and a crash (or kill) of the process never loses or tears one. `ack` deletes it.
 */
export class DurableQueue<T> {
  private readonly seqs: number[] = [];
  private next = 1;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      const m = FILE_RE.exec(name);
      if (m) this.seqs.push(Number(m[1]));
      else if (name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
    }
    this.seqs.sort((a, b) => a - b);
    this.next = (this.seqs[this.seqs.length - 1] ?? 0) + 1;
  }

  private file(seq: number): string {
    return join(this.dir, `${String(seq).padStart(16, '0')}.json`);
  }

  append(item: T): number {
    const seq = this.next++;
    const tmp = `${this.file(seq)}.tmp`;
    writeFileSync(tmp, JSON.stringify(item));
    renameSync(tmp, this.file(seq));
    this.seqs.push(seq);
    return seq;
  }

  get size(): number {
    return this.seqs.length;
  }

  /**
   * The oldest entry, or undefined when empty. A corrupt entry (not a JSON object, or not a
   * readable file) is dropped and reported, so it never holds up the entries behind it.
   */
  peek(onCorrupt?: (seq: number, err: Error) => void): { seq: number; item: T } | undefined {
    while (this.seqs.length > 0) {
      const seq = this.seqs[0]!;
      try {
        const item: unknown = JSON.parse(readFileSync(this.file(seq), 'utf8'));
        if (!item || typeof item !== 'object' || Array.isArray(item)) throw new Error('not a JSON object');
        return { seq, item: item as T };
      } catch (e) {
        onCorrupt?.(seq, e as Error);
        try {
          this.ack(seq);
        } catch {
          // could not remove it (e.g. a directory of that name): skipped in this process all the same
        }
      }
    }
    return undefined;
  }

  /** Remove an entry; it leaves the in-memory order even when its file cannot be removed (then this throws). */
  ack(seq: number): void {
    const i = this.seqs.indexOf(seq);
    if (i >= 0) this.seqs.splice(i, 1);
    rmSync(this.file(seq), { force: true });
  }
}
