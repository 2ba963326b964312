import type { Lease } from '../driver/cached/redis-lock.js';

/**
 * Coordination between online garbage collection and the requests being served.
 *
 * Every storage access that names a blob (its data, its `_layers` link, a manifest revision, a
 * link written with its digest) "touches" the digest first. The collector deletes a blob only
 * through `tryDelete`, which refuses digests touched within the grace period; a request touching
 * a digest whose deletion is under way waits for it to finish and then sees the blob gone (so a
 * manifest PUT answers MANIFEST_BLOB_UNKNOWN instead of referencing a deleted blob). Because the
 * check and the mark happen in one synchronous step on each side, no interleaving lets a request
 * rely on a blob that is then deleted.
 */
export interface DigestGuard {
  /** Record use of `digest`; resolves once no deletion of it is in flight (rejects if it cannot record). */
  touch(digest: string): Promise<void> | undefined;
  /** Run `fn` (the deletion) unless the digest was touched at or after `since` (ms, this process's clock). */
  tryDelete(digest: string, since: number, fn: () => Promise<void>): Promise<boolean>;
  /** Forget touches older than `before`. */
  prune(before: number): void;
  /** A view whose deletions also require the collector's lease to be still held (shared guards). */
  fenced?(lease: Lease): DigestGuard;
}

export class GcGuard implements DigestGuard {
  private readonly touched = new Map<string, number>();
  private readonly deleting = new Map<string, Promise<void>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Record use of `digest`; resolves once no deletion of it is in flight. */
  touch(digest: string): Promise<void> | undefined {
    const pending = this.deleting.get(digest);
    if (pending) return pending.then(() => { this.touched.set(digest, this.now()); });
    this.touched.set(digest, this.now());
    return undefined;
  }

  /** When `digest` was last touched (ms since epoch), if ever since the last prune. */
  lastTouched(digest: string): number | undefined {
    return this.touched.get(digest);
  }

  /** Whether the digest was touched at or after `since`. */
  touchedSince(digest: string, since: number): boolean {
    const t = this.touched.get(digest);
    return t !== undefined && t >= since;
  }

  /** Run `fn` (the deletion) unless the digest was touched at or after `since`; false when refused. */
  async tryDelete(digest: string, since: number, fn: () => Promise<void>): Promise<boolean> {
    if (this.touchedSince(digest, since) || this.deleting.has(digest)) return false;
    let done!: () => void;
    this.deleting.set(digest, new Promise<void>((r) => { done = r; }));
    try {
      await fn();
      return true;
    } finally {
      this.deleting.delete(digest);
      done();
    }
  }

  /** Forget touches older than `before` (keeps the map small between cycles). */
  prune(before: number): void {
    for (const [d, t] of this.touched) if (t < before) this.touched.delete(d);
  }

  get inFlightDeletions(): number {
    return this.deleting.size;
  }
}
