import type { TransferResult } from '../copy/api.js';
import { InterruptedError } from '../errors/errors.js';
import type { OnEvent } from '../copy/events.js';
import { formatPlatform } from '../oci/platform.js';
import type { GlobalOptions } from './options.js';
import { createReporter, type Reporter } from './progress.js';

/**
 * Run pull/push/copy with progress output, Ctrl-C handling (the library aborts and removes any
 * partial archive) and the final result line / object.
 */
export async function runTransfer<R extends TransferResult | TransferResult[]>(
  g: GlobalOptions,
  verb: string,
  source: string,
  /** `onResult`: an operation of several images (copy --all-tags) reports each as it is done. */
  op: (onEvent: OnEvent, signal: AbortSignal, onResult: (r: TransferResult) => void) => Promise<R>,
): Promise<R> {
  const reporter = await createReporter(g, verb);
  const ac = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => ac.abort(new InterruptedError(signal));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    reporter.step(`resolving ${source}`);
    const reported = new Set<TransferResult>();
    const onResult = (one: TransferResult): void => {
      reported.add(one);
      report(reporter, verb, one.sourceReference ?? source, one);
    };
    const r = await op((e) => reporter.event(e), ac.signal, onResult);
    // one result per image; those not reported on the way are reported now
    for (const one of Array.isArray(r) ? r : [r]) if (!reported.has(one)) onResult(one);
    return r;
  } catch (err) {
    // Whatever the abort surfaced as (AbortError, CopyError…), report the interruption itself.
    if (ac.signal.aborted) throw ac.signal.reason;
    throw err;
  } finally {
    reporter.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function report(reporter: Reporter, verb: string, source: string, r: TransferResult): void {
  const selected = r.root.digest !== r.source.digest;
  reporter.result(
    {
      reference: source, destination: r.destination, ...(r.format ? { format: r.format } : {}), ...(r.tag ? { tag: r.tag } : {}),
      digest: r.root.digest, mediaType: r.root.mediaType, size: r.root.size,
      ...(selected ? { sourceDigest: r.source.digest, ...(r.root.platform ? { platform: formatPlatform(r.root.platform) } : {}) } : {}),
      blobs: r.blobs, manifests: r.manifests, bytes: r.bytes, ...(r.referrers ? { referrers: r.referrers.copied } : {}),
      ...(r.referrers?.ofIndexNotCopied ? { referrersOfIndexNotCopied: r.referrers.ofIndexNotCopied } : {}),
    },
    `${verb} ${source} -> ${r.destination}${r.tag && r.format ? ` (${r.tag})` : ''} ${r.root.digest}${referrersNote(r)}`,
  );
}

function referrersNote(r: TransferResult): string {
  if (!r.referrers) return '';
  const n = (k: number): string => `${k} referrer${k === 1 ? '' : 's'}`;
  const left = r.referrers.ofIndexNotCopied;
  return ` (+${n(r.referrers.copied)}${left ? `; ${n(left)} of the index left behind with it (one platform was selected)` : ''})`;
}
