import { describe, expect, it } from 'vitest';
import type { DistributionEvent } from '../../src/server/notify/event.js';
import { RedisEventQueue } from '../../src/server/notify/redis-queue.js';
import { sharedRedis } from './peers/redis-fixture.js';

// Two "instances" = two connections, each with its own queue object for the same endpoint.
const { conn } = sharedRedis();
const ev = (id: string): DistributionEvent => ({
  id, timestamp: new Date().toISOString(), action: 'push', target: { repository: 'r' },
  request: { id: 'q', addr: '', host: '', method: 'PUT', useragent: '' }, actor: {}, source: { addr: 'x', instanceID: 'i' },
});

describe('RedisEventQueue (shared notification queue)', () => {
  it('appends from both instances land in one order; only the lease holder reads; a stale holder is fenced after the lease expires', async () => {
    const a = new RedisEventQueue(conn(), 'ep1', { leaseMs: 300 });
    const b = new RedisEventQueue(conn(), 'ep1', { leaseMs: 300 });
    await a.append(ev('1'));
    await b.append(ev('2'));
    await a.append(ev('3'));
    const head = await a.next();
    expect(head?.event.id).toBe('1');
    expect(await b.next()).toBeUndefined(); // A delivers
    expect(b.size).toBe(3);
    await a.ack(head!.id);
    expect((await a.next())?.event.id).toBe('2');
    // A stalls past its lease: B takes over from the oldest unacknowledged event, A cannot read on
    await new Promise((r) => setTimeout(r, 400));
    expect((await b.next())?.event.id).toBe('2');
    expect(await a.next()).toBeUndefined();
    // hold() keeps B's lease alive through a long POST
    const stop = b.hold();
    await new Promise((r) => setTimeout(r, 700));
    expect(await a.next()).toBeUndefined();
    stop();
    const h2 = await b.next();
    await b.ack(h2!.id);
    const h3 = await b.next();
    expect(h3?.event.id).toBe('3');
    await b.ack(h3!.id);
    // empty: the lease is dropped at once, so A's next append is A's to deliver
    expect(await b.next()).toBeUndefined();
    await a.append(ev('4'));
    expect((await a.next())?.event.id).toBe('4');
    await a.close(); // a graceful stop hands over without waiting for expiry
    expect((await b.next())?.event.id).toBe('4');
  });
});
