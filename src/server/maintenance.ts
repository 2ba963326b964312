import type { StorageDriver } from '../storage/driver/driver.js';
import { collectGarbage, type GcReport } from '../storage/gc.js';
import type { Exclusive, Lease } from '../storage/driver/cached/redis-lock.js';
import type { DigestGuard } from '../storage/gc/guard.js';
import { purgeUploads } from '../storage/gc/uploads.js';
import type { Logger } from './observe/log.js';
import type { Metrics } from './observe/metrics.js';

export interface MaintenanceOptions {
  /** The raw driver (GC must not touch digests through the guard). */
  driver: StorageDriver;
  guard: DigestGuard;
  gc?: { intervalMs: number; graceMs: number; deleteUntagged: boolean; dryRun: boolean };
  uploadPurging?: { ageMs: number; intervalMs: number; dryRun: boolean };
  log: Logger;
  metrics?: Metrics;
  /** With Redis (several instances): run each job only where the shared lease is held. */
  exclusive?: Exclusive;
}

/** Periodic online GC and upload purging while serving. Runs never overlap; timers do not keep the process alive. */
export class Maintenance {
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();
  private busy = false;
  private stopped = false;

  constructor(private readonly o: MaintenanceOptions) {}

  start(): void {
    if (this.o.gc) this.every(this.o.gc.intervalMs, () => this.collect());
    if (this.o.uploadPurging) this.every(this.o.uploadPurging.intervalMs, () => this.purge());
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    const t = setInterval(() => {
      if (this.stopped || this.busy) return; // a tick during a run is skipped, never queued
      this.busy = true;
      this.running = fn().finally(() => { this.busy = false; });
    }, Math.max(10, ms));
    t.unref();
    this.timers.push(t);
  }

  /** One online GC cycle (also callable directly); undefined when another instance holds the GC lease. */
  async collect(): Promise<GcReport | undefined> {
    if (!this.o.gc) return undefined;
    if (!this.o.exclusive) return this.collectNow();
    const r = await this.o.exclusive('gc', (lease) => this.collectNow(lease));
    if (r === undefined) this.o.log.debug('gc: another instance is collecting; cycle skipped');
    return r;
  }

  private async collectNow(lease?: Lease): Promise<GcReport | undefined> {
    const gc = this.o.gc;
    if (!gc) return undefined;
    const t0 = Date.now();
    try {
      const guard = lease && this.o.guard.fenced ? this.o.guard.fenced(lease) : this.o.guard;
      const r = await collectGarbage(this.o.driver, { guard, gracePeriodMs: gc.graceMs, deleteUntagged: gc.deleteUntagged, dryRun: gc.dryRun });
      this.o.metrics?.gcRuns.inc({ outcome: 'ok' });
      this.o.metrics?.gcDeleted.inc(r.deleted.length);
      this.o.metrics?.gcProtected.inc(r.protected.length);
      this.o.metrics?.gcLastRun.set(Date.now() / 1000);
      this.o.log.info('gc: cycle done', { marked: r.marked, eligible: r.eligible.length, deleted: r.deleted.length, protected: r.protected.length, manifests: r.manifests.length, dry_run: gc.dryRun, duration_ms: Date.now() - t0 });
      return r;
    } catch (e) {
      this.o.metrics?.gcRuns.inc({ outcome: 'error' });
      this.o.log.error('gc: cycle failed', { error: (e as Error).message });
      return undefined;
    }
  }

  async purge(): Promise<void> {
    if (this.o.exclusive) await this.o.exclusive('uploadpurging', () => this.purgeNow());
    else await this.purgeNow();
  }

  private async purgeNow(): Promise<void> {
    const up = this.o.uploadPurging;
    if (!up) return;
    try {
      const r = await purgeUploads(this.o.driver, { ageMs: up.ageMs, dryRun: up.dryRun });
      this.o.metrics?.uploadsPurged.inc(up.dryRun ? 0 : r.purged.length);
      if (r.purged.length) this.o.log.info('upload purging: removed abandoned uploads', { purged: r.purged.length, dry_run: up.dryRun });
    } catch (e) {
      this.o.log.error('upload purging failed', { error: (e as Error).message });
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.running.catch(() => {});
  }
}
