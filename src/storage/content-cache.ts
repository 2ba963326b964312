/** Default bound of the manifest content cache (bytes of cached content). */
export const DEFAULT_CONTENT_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * A least-recently-used map of IMMUTABLE content keyed by its digest, bounded by the bytes it
 * holds. Only content-addressed data belongs here (the bytes of `sha256:…` never change), never
 * links or tags: several registry processes may share one storage, and only what cannot change
 * behind this process's back is safe to keep. Whether a repository may see the content is still
 * decided by reading its link on every request.
 */
export class ContentCache<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private held = 0;

  /** `maxBytes` 0 disables the cache; an item above a quarter of it is never cached. */
  constructor(private readonly maxBytes = DEFAULT_CONTENT_CACHE_BYTES) {}

  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  get(digest: string): V | undefined {
    const e = this.entries.get(digest);
    if (!e) return undefined;
    // re-insert: Map iteration order is the recency order
    this.entries.delete(digest);
    this.entries.set(digest, e);
    return e.value;
  }

  set(digest: string, value: V, size: number): void {
    if (size > this.maxBytes / 4) return;
    const old = this.entries.get(digest);
    if (old) {
      this.entries.delete(digest);
      this.held -= old.size;
    }
    this.entries.set(digest, { value, size });
    this.held += size;
    for (const [k, e] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.entries.delete(k);
      this.held -= e.size;
    }
  }

  delete(digest: string): void {
    const e = this.entries.get(digest);
    if (!e) return;
    this.entries.delete(digest);
    this.held -= e.size;
  }
}
