import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { DistributionEvent } from './event.js';
import type { SinkQueue } from './event-queue.js';

// KEYS: lease, stream. ARGV: token, lease ms.
// {0, len}: another instance delivers. {1, 0}: empty (lease released). {2, len, id, json}: deliver this one (lease held/renewed).
const NEXT = `
local cur = redis.call('GET', KEYS[1])
local len = redis.call('XLEN', KEYS[2])
if cur and cur ~= ARGV[1] then return {0, len} end
local e = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
if #e == 0 then
  if cur then redis.call('DEL', KEYS[1]) end
  return {1, 0}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return {2, len, e[1][1], e[1][2][2]}`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface RedisQueueOptions {
  /** How long a deliverer's lease lasts without renewal (a killed instance's endpoint resumes after this). */
  leaseMs?: number;
  pollMs?: number;
  prefix?: string;
}

/**
 * One endpoint's durable queue shared by every instance: a Redis Stream that any instance appends
 * to, delivered by exactly one instance at a time. The right to deliver is a lease (SET PX with
 * this sink's token) taken, checked and renewed in the same script that reads the head, so an
 * instance whose lease expired (killed, stalled) cannot read on: it is fenced off, and the next
 * instance continues from the oldest unacknowledged event. An event leaves the stream only after a
 * 2xx answer (XDEL); the lease is dropped atomically when the stream is empty, so no append is
 * stranded. A deliverer killed between the 2xx and the XDEL causes one re-send with the same id.
 */
export class RedisEventQueue implements SinkQueue {
  readonly pollMs: number;
  private readonly leaseMs: number;
  /** Names the holder (host/pid) for operators looking at the lease key; unique per sink. */
  private readonly token = `${hostname()}/${process.pid}/${randomUUID()}`;
  private readonly lease: string;
  private readonly stream: string;
  private len = 0;

  constructor(private readonly redis: Redis, endpoint: string, o: RedisQueueOptions = {}, private readonly onCorrupt?: (id: string, err: Error) => void) {
    this.leaseMs = o.leaseMs ?? 5000;
    this.pollMs = o.pollMs ?? 500;
    const base = `${o.prefix ?? 'dist:notify:'}${endpoint}`;
    this.lease = `${base}:lease`;
    this.stream = `${base}:events`;
  }

  get size(): number {
    return this.len;
  }

  async append(ev: DistributionEvent): Promise<void> {
    await this.redis.xadd(this.stream, '*', 'e', JSON.stringify(ev));
    this.len++;
  }

  async next(): Promise<{ id: string; event: DistributionEvent } | undefined> {
    const r = (await this.redis.eval(NEXT, 2, this.lease, this.stream, this.token, this.leaseMs)) as [number, number, string?, string?];
    this.len = r[1];
    if (r[0] !== 2) return undefined;
    try {
      return { id: r[2]!, event: JSON.parse(r[3]!) as DistributionEvent };
    } catch (e) {
      this.onCorrupt?.(r[2]!, e as Error);
      await this.ack(r[2]!);
      return this.next();
    }
  }

  async ack(id: string): Promise<void> {
    // even if our lease lapsed meanwhile: the endpoint did accept this event
    this.len -= await this.redis.xdel(this.stream, id);
  }

  hold(): () => void {
    const t = setInterval(() => {
      this.redis.eval(RENEW, 1, this.lease, this.token, this.leaseMs).catch(() => undefined);
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    t.unref();
    return () => clearInterval(t);
  }

  async close(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.lease, this.token).catch(() => undefined);
  }
}
