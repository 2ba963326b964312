import cliProgress from 'cli-progress';
import ora, { type Ora } from 'ora';
import type { CopyEvent } from '../copy/events.js';
import { bytes, noteFor, short, Totals, type Reporter } from './progress.js';

/** TTY: an ora spinner for metadata steps, then one cli-progress bar per blob (bytes, rate, ETA), all on stderr. */
export function ttyReporter(verb: string): Reporter {
  const t = new Totals();
  let spinner: Ora | undefined;
  let multi: cliProgress.MultiBar | undefined;
  const bars = new Map<string, cliProgress.SingleBar>();
  const format = (_o: cliProgress.Options, p: cliProgress.Params, payload: { id: string; state?: string }): string => {
    const secs = Math.max((Date.now() - p.startTime) / 1000, 0.001);
    const rate = p.value / secs;
    const eta = rate > 0 && p.value < p.total ? `ETA ${Math.ceil((p.total - p.value) / rate)}s` : '';
    const width = 24;
    const fill = Math.round(width * (p.total ? p.value / p.total : 1));
    return `${payload.id} [${'='.repeat(fill)}${' '.repeat(width - fill)}] ${bytes(p.value)}/${bytes(p.total)} ${bytes(rate)}/s ${payload.state ?? eta}`;
  };
  const bars$ = (): cliProgress.MultiBar => {
    spinner?.stop();
    spinner = undefined;
    multi ??= new cliProgress.MultiBar({ stream: process.stderr, format, hideCursor: true, clearOnComplete: false, fps: 10 });
    return multi;
  };
  const finishBar = (digest: string, size: number, state: string): void => {
    const bar = bars.get(digest) ?? bars$().create(size, 0, { id: short(digest) });
    bars.set(digest, bar);
    bar.update(size, { id: short(digest), state });
  };
  let results = 0;
  /** Stop the spinner and bars (before a line on stdout); the next image starts fresh bars. */
  const stop = (): void => {
    spinner?.stop();
    multi?.stop();
    spinner = undefined;
    multi = undefined;
    bars.clear();
  };
  return {
    event(e: CopyEvent) {
      t.apply(e);
      const note = noteFor(verb, e);
      if (note) {
        if (multi) multi.log(`${note}\n`);
        else {
          spinner?.clear();
          process.stderr.write(`${note}\n`);
        }
      }
      if (e.type === 'blob-start') bars.set(e.digest, bars$().create(e.size, 0, { id: short(e.digest) }));
      else if (e.type === 'blob-progress') bars.get(e.digest)?.update(e.bytes);
      else if (e.type === 'download-resumed' || e.type === 'upload-resumed') bars.get(e.digest)?.update(e.offset, { id: short(e.digest), state: `resumed at ${bytes(e.offset)}` });
      else if (e.type === 'download-restarted') bars.get(e.digest)?.update(0, { id: short(e.digest), state: 'restarted (the partial copy was wrong)' });
      else if (e.type === 'blob-done') finishBar(e.digest, e.size, 'done');
      else if (e.type === 'blob-skipped') finishBar(e.digest, e.size, 'already present');
      else if (e.type === 'blob-mounted') finishBar(e.digest, e.size, `mounted from ${e.from}`);
    },
    step(text: string) {
      if (multi) return;
      spinner ??= ora({ stream: process.stderr, text }).start();
      spinner.text = text;
    },
    result(_o, human) {
      stop();
      results++;
      process.stdout.write(`${human}\n`);
    },
    // one summary for the command, after its result(s) (see plainReporter)
    close() {
      stop();
      if (results) process.stderr.write(`${t.line(verb)}\n`);
      results = 0;
    },
  };
}
