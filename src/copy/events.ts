import type { Digest } from '../digest/digest.js';
import type { Platform } from '../oci/types.js';

/** Progress events of a graph copy (also the `--json` event lines of pull/push/copy). */
export type CopyEvent =
  | { type: 'resolved'; reference: string; digest: Digest; mediaType: string; size: number }
  | { type: 'platform-selected'; platform: Platform; digest: Digest }
  | { type: 'blob-start'; digest: Digest; size: number; mediaType: string }
  | { type: 'blob-progress'; digest: Digest; bytes: number; size: number }
  | { type: 'blob-done'; digest: Digest; size: number }
  | { type: 'blob-skipped'; digest: Digest; size: number }
  | { type: 'blob-mounted'; digest: Digest; size: number; from: string }
  | { type: 'upload-resumed'; digest: Digest; offset: number; size: number }
  | { type: 'download-resumed'; digest: Digest; offset: number; size: number }
  /** A resumed download failed its digest: the partial file (`offset` bytes) was wrong and is dropped; the blob starts over. */
  | { type: 'download-restarted'; digest: Digest; offset: number; size: number }
  | { type: 'manifest-pushed'; digest: Digest; mediaType: string; size: number }
  | { type: 'manifest-skipped'; digest: Digest; mediaType: string; size: number }
  | { type: 'tagged'; reference: string; digest: Digest }
  /** `--referrers`: a manifest whose subject is `subject` was copied (with its blobs). */
  | { type: 'referrer-copied'; subject: Digest; digest: Digest; artifactType?: string }
  /** `--referrers`: a listed referrer was not copied (not a manifest, gone from the source, or its subject is another manifest). */
  | { type: 'referrer-skipped'; subject: Digest; digest: Digest; reason: string }
  /** `copy --all-tags`: a tag not copied (a referrers fallback tag, or gone from the source since the tags were listed). */
  | { type: 'tag-skipped'; tag: string; reason: string };

export type CopyEventType = CopyEvent['type'];
export type OnEvent = (e: CopyEvent) => void;

/** Minimum interval between two blob-progress events of one blob (ms). */
export const PROGRESS_INTERVAL_MS = 200;
