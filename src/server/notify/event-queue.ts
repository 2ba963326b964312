import type { DistributionEvent } from './event.js';
import type { DurableQueue } from './queue.js';

/** One endpoint's pending events, as a sink consumes them (on local disk, or shared through Redis). */
export interface SinkQueue {
  /** Persist an event at the tail. */
  append(ev: DistributionEvent): Promise<void>;
  /** The oldest pending event for this instance to deliver; undefined when empty or when another instance delivers. */
  next(): Promise<{ id: string; event: DistributionEvent } | undefined>;
  /** The endpoint answered 2xx: remove the event. */
  ack(id: string): Promise<void>;
  /** Pending events (the last count seen). */
  readonly size: number;
  /** Shared queues: poll this often when there is nothing to deliver (other instances append too). */
  readonly pollMs?: number;
  /** Keep this instance's right to deliver alive while a POST is in flight; returns the stop function. */
  hold?(): () => void;
  /** Give up delivery rights (another instance continues at once). */
  close?(): Promise<void>;
}

/** The on-disk queue (one instance, or no Redis configured) as a SinkQueue. */
export class DiskEventQueue implements SinkQueue {
  constructor(readonly disk: DurableQueue<DistributionEvent>, private readonly onCorrupt: (seq: number, err: Error) => void) {}

  get size(): number {
    return this.disk.size;
  }

  async append(ev: DistributionEvent): Promise<void> {
    this.disk.append(ev);
  }

  async next(): Promise<{ id: string; event: DistributionEvent } | undefined> {
    const head = this.disk.peek(this.onCorrupt);
    return head && { id: String(head.seq), event: head.item };
  }

  async ack(id: string): Promise<void> {
    this.disk.ack(Number(id));
  }
}
