import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { RegistryEvent } from '../context.js';
import type { Logger } from '../observe/log.js';
import type { EndpointConfig } from './endpoint.js';
import { type DistributionEvent, type EventSource, toDistributionEvent } from './event.js';
import { DurableQueue } from './queue.js';
import { EndpointSink } from './sink.js';

export interface NotifierOptions {
  endpoints: EndpointConfig[];
  /** Queue directory, e.g. `<data dir>/_dist/notify` (one subdirectory per endpoint). */
  dir: string;
  source: Omit<EventSource, 'instanceID'> & { instanceID?: string };
  log: Logger;
  onResult?: (endpoint: string, ok: boolean) => void;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Webhook notifications with a durable queue per endpoint: `publish` filters the event per
 * endpoint and writes it to each endpoint's on-disk queue before returning; sinks deliver in
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
      .map((e) => new EndpointSink(e, new DurableQueue<DistributionEvent>(join(opts.dir, safeName(e.name))), opts.log, opts.onResult));
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
      try {
        s.queue.append(ev);
        s.notify();
      } catch (err) {
        this.opts.log.error('notification queue: cannot persist event', { endpoint: s.cfg.name, error: (err as Error).message, event: ev.id });
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
