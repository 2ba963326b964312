import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { RegistryEvent } from '../context.js';
import type { Logger } from '../observe/log.js';
import type { EndpointConfig } from './endpoint.js';
import { type DistributionEvent, type EventSource, toDistributionEvent } from './event.js';
import type { Redis } from 'ioredis';
import { DiskEventQueue, type SinkQueue } from './event-queue.js';
import { DurableQueue } from './queue.js';
import { RedisEventQueue, type RedisQueueOptions } from './redis-queue.js';
import { EndpointSink } from './sink.js';

export interface NotifierOptions {
  endpoints: EndpointConfig[];
  /** Queue directory, e.g. `<data dir>/_dist/notify` (one subdirectory per endpoint). */
  dir: string;
  /** With Redis configured: one shared queue per endpoint (Redis Stream + delivery lease) instead of `dir`. */
  redis?: Redis;
  redisQueue?: RedisQueueOptions;
  source: Omit<EventSource, 'instanceID'> & { instanceID?: string };
  log: Logger;
  onResult?: (endpoint: string, ok: boolean) => void;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Webhook notifications with a durable queue per endpoint: `publish` filters the event per
 * endpoint and writes it to each endpoint's on-disk queue before returning (with Redis: appends
 * it to the endpoint's stream shared by every instance, asynchronously); sinks deliver in
 * order with retries. Pending events survive a crash or restart and are re-sent with the same
 * `id`, so receivers deduplicate.
 */
export class Notifier {
  readonly sinks: EndpointSink[];
  private source: EventSource;

  constructor(private readonly opts: NotifierOptions) {
    this.source = { ...opts.source, instanceID: opts.source.instanceID ?? randomUUID() };
    this.sinks = opts.endpoints
      .filter((e) => !e.disabled)
      .map((e) => new EndpointSink(e, this.queueFor(e), opts.log, opts.onResult));
  }

  private queueFor(e: EndpointConfig): SinkQueue {
    const onCorrupt = (at: number | string, err: Error): void => this.opts.log.error('notification queue: dropping unreadable entry', { endpoint: e.name, entry: at, error: err.message });
    if (this.opts.redis) return new RedisEventQueue(this.opts.redis, e.name, this.opts.redisQueue, onCorrupt);
    return new DiskEventQueue(new DurableQueue<DistributionEvent>(join(this.opts.dir, safeName(e.name))), onCorrupt);
  }

  /** The listening address is known only after `listen` (port 0). */
  setSourceAddr(addr: string): void {
    this.source.addr = addr;
  }

  start(): void {
    for (const s of this.sinks) s.start();
  }

  publish(e: RegistryEvent): void {
    if (this.sinks.length === 0) return;
    const ev = toDistributionEvent(e, this.source);
    for (const s of this.sinks) {
      if (s.cfg.ignoreActions.includes(ev.action)) continue;
      if (ev.target.mediaType && s.cfg.ignoredMediaTypes.includes(ev.target.mediaType)) continue;
      const failed = (err: Error): void => this.opts.log.error('notification queue: cannot persist event', { endpoint: s.cfg.name, error: err.message, event: ev.id });
      try {
        s.queue.append(ev).then(() => s.notify(), failed);
      } catch (err) {
        failed(err as Error);
      }
    }
  }

  /** Events waiting, per endpoint name. */
  depth(): Map<string, number> {
    return new Map(this.sinks.map((s) => [s.cfg.name, s.queue.size]));
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close()));
  }
}
