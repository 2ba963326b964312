import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observe/log.js';
import type { EndpointConfig } from './endpoint.js';
import { type DistributionEvent, EVENTS_MEDIA_TYPE } from './event.js';
import type { SinkQueue } from './event-queue.js';

export interface SinkStats { delivered: number; failures: number }

/**
 * Delivers one endpoint's queue in order, one event per envelope: POST, and on 2xx/3xx remove
 * it from the queue (on disk, or the Redis stream shared by all instances, where only the
 * instance holding the endpoint's lease gets events to deliver); on failure retry the same event (short pauses, then `backoff` once
 * `threshold` consecutive failures are reached) — never skipping ahead, never dropping.
 */
export class EndpointSink {
  readonly stats: SinkStats = { delivered: 0, failures: 0 };
  private wake: (() => void) | undefined;
  private stopped = false;
  private poked = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(readonly cfg: EndpointConfig, readonly queue: SinkQueue, private readonly log: Logger,
    private readonly onResult?: (endpoint: string, ok: boolean) => void) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** New work is in the queue. */
  notify(): void {
    if (this.wake) this.wake();
    else this.poked = true; // the loop is busy (reading the queue): it must look again before idling
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.loop;
    await this.queue.close?.();
  }

  private async idle(ms?: number): Promise<void> {
    if (this.poked) {
      this.poked = false;
      return;
    }
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      if (ms !== undefined) sleep(ms, undefined, { signal: this.abort.signal }).then(resolve, resolve);
    });
    this.wake = undefined;
  }

  private async post(ev: DistributionEvent): Promise<boolean> {
    const headers = new Headers({ 'Content-Type': EVENTS_MEDIA_TYPE });
    for (const [k, vs] of Object.entries(this.cfg.headers)) for (const v of vs) headers.append(k, v);
    try {
      const res = await fetch(this.cfg.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ events: [ev] }),
        signal: AbortSignal.any([AbortSignal.timeout(this.cfg.timeoutMs), this.abort.signal]),
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 400) return true;
      this.log.warn('notification endpoint answered an error', { endpoint: this.cfg.name, status: res.status, event: ev.id });
    } catch (e) {
      if (!this.stopped) this.log.warn('notification delivery failed', { endpoint: this.cfg.name, error: (e as Error).message, event: ev.id });
    }
    return false;
  }

  private async run(): Promise<void> {
    let consecutive = 0;
    while (!this.stopped) {
      let head: Awaited<ReturnType<SinkQueue['next']>>;
      try {
        head = await this.queue.next();
      } catch (e) {
        this.log.warn('notification queue unavailable', { endpoint: this.cfg.name, error: (e as Error).message });
        await this.idle(this.queue.pollMs ?? 1000);
        continue;
      }
      if (!head) {
        await this.idle(this.queue.pollMs);
        continue;
      }
      const release = this.queue.hold?.();
      let ok: boolean;
      try {
        ok = await this.post(head.event);
      } finally {
        release?.();
      }
      this.onResult?.(this.cfg.name, ok);
      if (ok) {
        await this.queue.ack(head.id).catch((e: Error) => this.log.error('notification queue: cannot remove a delivered event', { endpoint: this.cfg.name, event: head.event.id, error: e.message }));
        this.stats.delivered++;
        consecutive = 0;
        continue;
      }
      if (this.stopped) break;
      this.stats.failures++;
      consecutive++;
      const wait = consecutive >= Math.max(1, this.cfg.threshold) ? this.cfg.backoffMs : Math.min(this.cfg.backoffMs, 50 * 2 ** consecutive);
      if (consecutive >= Math.max(1, this.cfg.threshold)) consecutive = 0;
      await sleep(wait, undefined, { signal: this.abort.signal }).catch(() => {});
    }
  }
}
