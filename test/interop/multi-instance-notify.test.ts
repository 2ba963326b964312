import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImage } from '../helpers/images.js';
import { type DistInstance, startDist } from './peers/dist-serve.js';
import { type RedisPeer, startRedis } from './peers/redis.js';
import { sh } from './team-util.js';

interface Ev { id: string; action: string; target: { repository: string; digest?: string }; source: { addr: string } }

const STREAM = 'dist:notify:hook:events';
const LEASE = 'dist:notify:hook:lease';
let redis: RedisPeer;
let r: Redis;
let work: string;
let receiver: Server;
let hookUrl: string;
/** 'down': 503 at once; otherwise answer 200 after this many ms. */
let mode: 'down' | number = 'down';
const received: Ev[] = [];
const inst: DistInstance[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dist-multi-notify-'));
  redis = await startRedis();
  r = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (mode === 'down') return void res.writeHead(503).end();
    await new Promise((ok) => setTimeout(ok, mode as number));
    received.push(...(JSON.parse(Buffer.concat(chunks).toString()) as { events: Ev[] }).events);
    res.writeHead(200).end();
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
}, 120_000);

afterAll(async () => {
  for (const i of inst) await i.stop();
  r?.disconnect();
  await redis?.stop();
  await new Promise((ok) => receiver?.close(ok));
  if (work) rmSync(work, { recursive: true, force: true });
});

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/** The pending events in stream order: stream id → event id. */
async function pending(): Promise<Array<[string, string]>> {
  const rows = await r.xrange(STREAM, '-', '+');
  return rows.map(([sid, fields]) => [sid, (JSON.parse(fields[1]!) as Ev).id]);
}

const streamOrder = (a: string, b: string): number => {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
};

async function push(layout: string, via: DistInstance, repo: string): Promise<void> {
  const res = await sh('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${via.host}/${repo}:v1`]);
  expect(res.code, res.stderr).toBe(0);
}

describe('three dist serve instances, one Redis: webhook notifications', () => {
  it('events from every instance reach the receiver exactly once by id, in order, while the delivering instance is SIGKILLed and another takes over', async () => {
    const cfg = {
      version: 0.1,
      log: { level: 'warn' },
      storage: { filesystem: { rootdirectory: join(work, 'data') }, delete: { enabled: true } },
      http: { addr: '127.0.0.1:0', secret: 'shared' },
      redis: { addr: redis.addr },
      notifications: { endpoints: [{ name: 'hook', url: hookUrl, timeout: '1s', threshold: 2, backoff: '200ms' }] },
    };
    inst.push(...(await Promise.all(['A', 'B', 'C'].map((n) => startDist(work, n, cfg)))));
    const imgs = await Promise.all([0, 1, 2, 3].map((i) => randomImage({ layers: 2, size: 4000, dir: join(work, `img${i}`), tag: 'v1' })));
    // the receiver is down: every instance appends to the shared stream, nothing is lost
    for (let i = 0; i < 3; i++) await push(imgs[i]!.dir!, inst[i]!, `team/app${i}`);
    await until(async () => (await r.xlen(STREAM)) === 12, 10_000, '12 events in the stream');
    const first = await pending();
    const fromStream = (await r.xrange(STREAM, '-', '+')).map(([, f]) => JSON.parse(f[1]!) as Ev);
    expect(new Set(fromStream.map((e) => e.source.addr))).toEqual(new Set(inst.map((i) => i.host)));
    expect(new Set(first.map(([, id]) => id)).size).toBe(12);

    // the receiver comes up, slowly: find the instance holding the delivery lease and kill it mid-way
    mode = 150;
    await until(() => new Set(received.map((e) => e.id)).size >= 3, 30_000, 'three deliveries');
    const holder = await r.get(LEASE);
    expect(holder, 'a lease is held while events are pending').toBeTruthy();
    const pid = Number(holder!.split('/')[1]);
    const victim = inst.find((i) => i.pid === pid);
    expect(victim, `lease holder ${holder} is one of our instances`).toBeDefined();
    await victim!.kill();
    const atKill = received.length;
    expect(atKill).toBeLessThan(12);
    // a survivor serves a push meanwhile: its events join the same stream behind the rest
    const survivor = inst.find((i) => i !== victim)!;
    await push(imgs[3]!.dir!, survivor, 'team/app3');
    const second = await pending();
    const expected = [...new Map([...first, ...second]).entries()].sort(([a], [b]) => streamOrder(a, b)).map(([, id]) => id);
    expect(expected.length).toBe(16);

    await until(() => new Set(received.map((e) => e.id)).size >= 16, 60_000, 'all 16 events');
    await until(async () => (await r.xlen(STREAM)) === 0, 10_000, 'an empty stream');
    const firstSeen = [...new Set(received.map((e) => e.id))];
    expect(firstSeen).toEqual(expected);
    // at most the one event in flight when its deliverer died comes twice (receivers dedupe by id)
    expect(received.length - firstSeen.length).toBeLessThanOrEqual(1);
    await new Promise((ok) => setTimeout(ok, 1200));
    expect(received.length - firstSeen.length).toBeLessThanOrEqual(1);
    expect(await r.get(LEASE), 'the lease is dropped once the stream is empty').toBeNull();
    // no queue on local disk: the instances are stateless
    expect(existsSync(join(work, 'data', '_dist', 'notify'))).toBe(false);
    const pushes = received.filter((e) => e.action === 'push' && e.target.repository === 'team/app3');
    expect(pushes.length).toBe(4);
    process.stderr.write(`multi-notify: ${firstSeen.length} events, ${received.length - firstSeen.length} re-sent after killing pid ${pid} (${atKill} delivered before)\n`);
  });
});
