/** Serialise async work per key (one upload id, one tag…) within this process. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

interface RwEntry {
  readers: number;
  writer: boolean;
  queue: Array<{ exclusive: boolean; go: () => void }>;
}

/**
 * A readers-writer lock per key within this process: any number of `shared` holders, or one
 * `exclusive` holder; waiters are served in arrival order (a writer is not starved by readers).
 */
export class KeyedRwLock {
  private readonly entries = new Map<string, RwEntry>();

  shared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.run(key, false, fn);
  }

  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.run(key, true, fn);
  }

  private async run<T>(key: string, exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    await this.acquire(key, exclusive);
    try {
      return await fn();
    } finally {
      this.release(key, exclusive);
    }
  }

  private acquire(key: string, exclusive: boolean): Promise<void> {
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { readers: 0, writer: false, queue: [] }));
    if (e.queue.length === 0 && !e.writer && (!exclusive || e.readers === 0)) {
      grant(e, exclusive);
      return Promise.resolve();
    }
    const entry = e;
    return new Promise((go) => entry.queue.push({ exclusive, go }));
  }

  private release(key: string, exclusive: boolean): void {
    const e = this.entries.get(key)!;
    if (exclusive) e.writer = false;
    else e.readers--;
    while (e.queue.length > 0 && !e.writer && !(e.queue[0]!.exclusive && e.readers > 0)) {
      const next = e.queue.shift()!;
      grant(e, next.exclusive);
      next.go();
    }
    if (!e.writer && e.readers === 0 && e.queue.length === 0) this.entries.delete(key);
  }
}

function grant(e: RwEntry, exclusive: boolean): void {
  if (exclusive) e.writer = true;
  else e.readers++;
}
