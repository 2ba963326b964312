import { copyImage, type CopyImageResult } from '../copy/operations.js';
import { hostPlatform } from '../copy/select.js';
import { formatPlatform, parsePlatform } from '../oci/platform.js';
import type { GlobalOptions } from './options.js';
import { createReporter } from './progress.js';
import type { OpenedDestination, OpenedSource } from './targets.js';

export interface TransferFlags {
  platform?: string;
  allPlatforms?: boolean;
  /** pull: prefer the host's platform of an index unless --all-platforms. */
  hostDefault?: boolean;
}

/**
 * Run one graph copy for pull/push/copy with progress, Ctrl-C handling (abort, then remove
 * any partial archive) and the result line / object.
 */
export async function runTransfer(g: GlobalOptions, verb: string, src: OpenedSource, dst: OpenedDestination, flags: TransferFlags): Promise<CopyImageResult> {
  const reporter = await createReporter(g, verb);
  const ac = new AbortController();
  const onSignal = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
  const preferPlatform = !platform && flags.hostDefault && !flags.allPlatforms ? hostPlatform() : undefined;
  try {
    reporter.step(`resolving ${src.display}`);
    const r = await copyImage(src.target, src.reference, dst.target, {
      tag: dst.tag, jobs: g.jobs, platform, preferPlatform, signal: ac.signal, onEvent: (e) => reporter.event(e),
    });
    reporter.step(`finishing ${dst.display}`);
    await dst.finish();
    const where = dst.remote ? dst.display : `${dst.display}${dst.tag ? ` (${dst.tag})` : ''}`;
    reporter.result(
      {
        reference: src.display, destination: dst.display, ...(dst.format ? { format: dst.format } : {}), ...(dst.tag ? { tag: dst.tag } : {}),
        digest: r.root.digest, mediaType: r.root.mediaType, size: r.root.size,
        ...(r.root.digest !== r.source.digest ? { sourceDigest: r.source.digest, platform: formatPlatform((platform ?? preferPlatform)!) } : {}),
        blobs: r.blobs, manifests: r.manifests, bytes: r.bytes,
      },
      `${verb} ${src.display} -> ${where} ${r.root.digest}`,
    );
    return r;
  } catch (e) {
    await dst.abort().catch(() => undefined);
    if (ac.signal.aborted) process.exitCode = 130;
    throw e;
  } finally {
    reporter.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
