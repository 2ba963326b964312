import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The registry's Prometheus metrics (prom-client, its own Registry so instances do not collide). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly duration: Histogram<'route' | 'method'>;
  readonly bytesIn: Counter<'route'>;
  readonly bytesOut: Counter<'route'>;
  readonly events: Counter<'action' | 'kind'>;
  readonly uploads: Counter;
  readonly uploadBytes: Counter;
  readonly gcRuns: Counter<'outcome'>;
  readonly gcDeleted: Counter;
  readonly gcProtected: Counter;
  readonly gcLastRun: Gauge;
  readonly uploadsPurged: Counter;
  readonly notifyResults: Counter<'endpoint' | 'outcome'>;
  readonly notifyPending: Gauge<'endpoint'>;
  private pending: () => Map<string, number> = () => new Map();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'dist_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers });
    this.duration = new Histogram({ name: 'dist_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['route', 'method'], buckets: [0.005, 0.02, 0.1, 0.5, 2, 10, 60], registers });
    this.bytesIn = new Counter({ name: 'dist_http_received_bytes_total', help: 'Request body bytes received', labelNames: ['route'], registers });
    this.bytesOut = new Counter({ name: 'dist_http_sent_bytes_total', help: 'Bytes sent (response headers and bodies)', labelNames: ['route'], registers });
    this.events = new Counter({ name: 'dist_registry_events_total', help: 'Registry events (push, pull, mount, delete) by target kind', labelNames: ['action', 'kind'], registers });
    this.uploads = new Counter({ name: 'dist_blob_uploads_total', help: 'Completed blob uploads (pushes and mounts)', registers });
    this.uploadBytes = new Counter({ name: 'dist_blob_upload_bytes_total', help: 'Bytes of completed blob uploads', registers });
    this.gcRuns = new Counter({ name: 'dist_gc_runs_total', help: 'Garbage collection cycles', labelNames: ['outcome'], registers });
    this.gcDeleted = new Counter({ name: 'dist_gc_blobs_deleted_total', help: 'Blobs deleted by garbage collection', registers });
    this.gcProtected = new Counter({ name: 'dist_gc_blobs_protected_total', help: 'Unreferenced blobs left alone because they were young or in use', registers });
    this.gcLastRun = new Gauge({ name: 'dist_gc_last_run_timestamp_seconds', help: 'End of the last garbage collection cycle', registers });
    this.uploadsPurged = new Counter({ name: 'dist_uploads_purged_total', help: 'Abandoned uploads removed by upload purging', registers });
    this.notifyResults = new Counter({ name: 'dist_notifications_total', help: 'Notification delivery attempts by endpoint and outcome', labelNames: ['endpoint', 'outcome'], registers });
    const self = this;
    this.notifyPending = new Gauge({
      name: 'dist_notifications_pending', help: 'Events waiting in the durable queue, per endpoint', labelNames: ['endpoint'], registers,
      collect() {
        for (const [endpoint, n] of self.pending()) this.set({ endpoint }, n);
      },
    });
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'dist_' });
  }

  /** Where the notification queue depth comes from. */
  setPendingSource(fn: () => Map<string, number>): void {
    this.pending = fn;
  }
}
