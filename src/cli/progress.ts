import type { CopyEvent } from '../copy/events.js';
import type { GlobalOptions } from './options.js';
import { humanSize } from '../client/summary.js';
import { jsonLine } from './json-line.js';

/** Where a command's progress and result go: TTY bars, plain lines, JSON lines, or nothing. */
export interface Reporter {
  event(e: CopyEvent): void;
  /** A metadata step (resolving, writing the index…): a spinner on a TTY. */
  step(text: string): void;
  /** The final result: a JSON object with --json, else `human` on stdout. */
  result(obj: Record<string, unknown>, human: string): void;
  close(): void;
}

/** `1.5 MiB` (rates are fractional: rounded to whole bytes first). */
export function bytes(n: number): string {
  return humanSize(Math.round(n));
}

export const short = (d: string): string => d.slice(d.indexOf(':') + 1, d.indexOf(':') + 13);

/** Running totals over blob events (shared by the plain and TTY reporters). */
export class Totals {
  readonly started = Date.now();
  readonly sizes = new Map<string, number>();
  readonly done = new Map<string, number>();
  skipped = 0;
  mounted = 0;
  finished = 0;
  apply(e: CopyEvent): void {
    if (e.type === 'blob-start') this.sizes.set(e.digest, e.size);
    else if (e.type === 'blob-progress') this.done.set(e.digest, e.bytes);
    else if (e.type === 'download-resumed' || e.type === 'upload-resumed') this.done.set(e.digest, e.offset);
    else if (e.type === 'download-restarted') this.done.set(e.digest, 0);
    else if (e.type === 'blob-done') {
      this.done.set(e.digest, e.size);
      this.finished++;
    } else if (e.type === 'blob-skipped') this.skipped++;
    else if (e.type === 'blob-mounted') this.mounted++;
  }
  get total(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }
  get transferred(): number {
    let n = 0;
    for (const s of this.done.values()) n += s;
    return n;
  }
  line(verb: string): string {
    const secs = Math.max((Date.now() - this.started) / 1000, 0.001);
    const extra = [this.skipped ? `${this.skipped} present` : '', this.mounted ? `${this.mounted} mounted` : ''].filter(Boolean).join(', ');
    // schema 1 layers come without sizes: a total below what arrived is no total
    const of = this.total >= this.transferred ? ` of ${bytes(this.total)}` : '';
    return `${verb}: ${this.finished}/${this.sizes.size} blobs, ${bytes(this.transferred)}${of} (${bytes(this.transferred / secs)}/s)${extra ? `; ${extra}` : ''}`;
  }
}

/** Pick the reporter for the flags and the terminal. */
export async function createReporter(g: GlobalOptions, verb: string): Promise<Reporter> {
  if (g.json) return jsonReporter(!!g.quiet);
  if (g.quiet) return { event: () => undefined, step: () => undefined, result: (_o, human) => void process.stdout.write(`${human}\n`), close: () => undefined };
  // A pseudo-terminal with no size (0 columns) cannot host bars or a spinner: use plain lines.
  if (process.stderr.isTTY && (process.stderr.columns ?? 0) > 0) return (await import('./progress-tty.js')).ttyReporter(verb);
  return plainReporter(verb);
}

function jsonReporter(quiet: boolean): Reporter {
  const out = (o: object): void => void process.stdout.write(jsonLine(o));
  return {
    event: (e) => quiet || out(e),
    step: () => undefined,
    result: (obj) => out({ type: 'result', ...obj }),
    close: () => undefined,
  };
}

/** stderr is not a terminal: one plain progress line every PLAIN_INTERVAL_MS, then a summary. */
export const PLAIN_INTERVAL_MS = 2000;

/** What a reporter says on stderr about an event besides bars and totals (a tag skipped by copy --all-tags). */
export function noteFor(verb: string, e: CopyEvent): string | undefined {
  return e.type === 'tag-skipped' ? `${verb}: skipped tag ${e.tag}: ${e.reason}` : undefined;
}

/**
 * One summary line for the whole command, at the end, after its result(s): the totals are the
 * command's (copy --all-tags gives one result per tag, each on stdout; one summary per tag would
 * repeat the running totals). None when nothing was copied (a failure prints only its error line).
 */
function plainReporter(verb: string): Reporter {
  const t = new Totals();
  let results = 0;
  const timer = setInterval(() => {
    if (t.sizes.size) process.stderr.write(`${t.line(verb)}\n`);
  }, PLAIN_INTERVAL_MS);
  timer.unref();
  return {
    event: (e) => {
      t.apply(e);
      const note = noteFor(verb, e);
      if (note) process.stderr.write(`${note}\n`);
    },
    step: () => undefined,
    result: (_o, human) => {
      results++;
      process.stdout.write(`${human}\n`);
    },
    close: () => {
      clearInterval(timer);
      if (results) process.stderr.write(`${t.line(verb)}\n`);
      results = 0;
    },
  };
}
