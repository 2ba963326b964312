import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observe/log.js';
import type { EndpointConfig } from './endpoint.js';
import { type DistributionEvent, EVENTS_MEDIA_TYPE } from './event.js';
import type { DurableQueue } from './queue.js';

export interface SinkStats { delivered: number; failures: number }

/**
 * Delivers one endpoint's queue in order, one event per envelope: POST, and on 2xx/3xx remove
 * it from the queue; on failure retry the same event (short pauses, then `backoff` once
 * `threshold` consecutive failures are reached) — never skipping ahead, never dropping.
 */
export class EndpointSink {
  readonly stats: SinkStats = { delivered: 0, failures: 0 };
  private wake: (() => void) | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(readonly cfg: EndpointConfig, readonly queue: DurableQueue<DistributionEvent>, private readonly log: Logger,
    private readonly onResult?: (endpoint: string, ok: boolean) => void) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** New work is in the queue. */
  notify(): void {
    this.wake?.();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  private async idle(ms?: number): Promise<void> {
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
      const head = this.queue.peek((seq, err) => this.log.error('notification queue: dropping unreadable entry', { endpoint: this.cfg.name, seq, error: err.message }));
      if (!head) {
        await this.idle();
        continue;
      }
      const ok = await this.post(head.item);
      this.onResult?.(this.cfg.name, ok);
      if (ok) {
        this.queue.ack(head.seq);
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
