import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RegistryEvent } from '../../src/server/context.js';
import { parseDuration } from '../../src/server/notify/duration.js';
import { parseNotifications } from '../../src/server/notify/endpoint.js';
import type { DistributionEvent } from '../../src/server/notify/event.js';
import { Notifier } from '../../src/server/notify/notifier.js';
import { memoryLogger } from '../../src/server/observe/log.js';
import type { Digest } from '../../src/digest/digest.js';
import { listen } from './helpers.js';
import { closeAfterEach } from '../helpers/closers.js';
import { tempDir } from '../helpers/temp.js';

const closers = closeAfterEach();

async function receiver() {
  const got: Array<{ contentType: string; auth: string; events: DistributionEvent[] }> = [];
  let failing = false;
  const srv = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (failing) return void res.writeHead(503).end();
    got.push({ contentType: String(req.headers['content-type']), auth: String(req.headers.authorization), ...(JSON.parse(Buffer.concat(chunks).toString()) as { events: DistributionEvent[] }) });
    res.writeHead(200).end();
  });
  closers.push(srv.close);
  return { url: srv.url, got, setFailing: (f: boolean) => { failing = f; }, events: () => got.flatMap((g) => g.events) };
}

const ev = (i: number, action: RegistryEvent['action'] = 'push'): RegistryEvent => ({
  action, kind: 'manifest', repository: 'team/app', digest: `sha256:${String(i).padStart(64, '0')}` as Digest, size: 100 + i,
  mediaType: 'application/vnd.oci.image.manifest.v1+json', tag: 'v1',
  request: { id: `req-${i}`, addr: '127.0.0.1:9999', host: 'registry.local:5000', method: 'PUT', useragent: 'test' }, actor: { name: 'alice' },
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function endpoints(url: string, extra: Record<string, unknown> = {}) {
  return parseNotifications({ endpoints: [{ name: 'hook', url, headers: { Authorization: ['Bearer abc'] }, timeout: '500ms', threshold: 2, backoff: '100ms', ...extra }] });
}

describe('notifications', () => {
  it('sends events in distribution envelope format, in order', async () => {
    const r = await receiver();
    const n = new Notifier({ endpoints: endpoints(r.url), dir: tempDir(), source: { addr: 'registry.local:5000', scheme: 'http' }, log: memoryLogger() });
    closers.push(() => n.close());
    n.start();
    for (let i = 0; i < 5; i++) n.publish(ev(i));
    await until(() => r.events().length === 5 && n.depth().get('hook') === 0);
    expect(r.got[0]!.contentType).toBe('application/vnd.docker.distribution.events.v1+json');
    expect(r.got[0]!.auth).toBe('Bearer abc');
    const e = r.events()[0]!;
    expect(e).toMatchObject({
      action: 'push',
      target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100, length: 100, repository: 'team/app', tag: 'v1',
        url: `http://registry.local:5000/v2/team/app/manifests/sha256:${'0'.repeat(64)}` },
      request: { id: 'req-0', method: 'PUT', host: 'registry.local:5000' }, actor: { name: 'alice' }, source: { addr: 'registry.local:5000' },
    });
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(e.timestamp)).toBeGreaterThan(0);
    expect(r.events().map((x) => x.request.id)).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
    expect(n.depth().get('hook')).toBe(0);
  });

  it('filters by ignored actions and media types, and skips disabled endpoints', async () => {
    const r = await receiver();
    const eps = parseNotifications({ endpoints: [
      { name: 'a', url: r.url, timeout: '1s', threshold: 1, backoff: '1s', ignore: { actions: ['pull', 'delete'] }, ignoredmediatypes: ['application/octet-stream'] },
      { name: 'off', url: r.url, timeout: '1s', threshold: 1, backoff: '1s', disabled: true },
    ] });
    const n = new Notifier({ endpoints: eps, dir: tempDir(), source: { addr: 'x', scheme: 'http' }, log: memoryLogger() });
    closers.push(() => n.close());
    n.start();
    n.publish(ev(1, 'pull'));
    n.publish({ ...ev(2), kind: 'blob', mediaType: undefined });
    n.publish(ev(3, 'delete'));
    n.publish(ev(4));
    await until(() => r.events().length >= 1);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.events().map((e) => e.request.id)).toEqual(['req-4']);
    expect(n.sinks.map((s) => s.cfg.name)).toEqual(['a']);
  });

  it('durable: receiver down and the notifier restarted in between, every event arrives exactly once after dedup, in order', async () => {
    const r = await receiver();
    const dir = tempDir();
    const log = memoryLogger();
    r.setFailing(true);
    const n1 = new Notifier({ endpoints: endpoints(r.url), dir, source: { addr: 'x', scheme: 'http' }, log });
    n1.start();
    for (let i = 0; i < 4; i++) n1.publish(ev(i));
    await until(() => n1.sinks[0]!.stats.failures >= 3);
    await n1.close();
    expect(readdirSync(join(dir, 'hook')).filter((f) => f.endsWith('.json'))).toHaveLength(4);
    // "restart": a new notifier over the same directory, more events, receiver comes back later
    const n2 = new Notifier({ endpoints: endpoints(r.url), dir, source: { addr: 'x', scheme: 'http' }, log });
    closers.push(() => n2.close());
    n2.start();
    for (let i = 4; i < 7; i++) n2.publish(ev(i));
    expect(n2.depth().get('hook')).toBe(7);
    await new Promise((res) => setTimeout(res, 300));
    r.setFailing(false);
    await until(() => n2.depth().get('hook') === 0);
    const ids = r.events().map((e) => e.id);
    const unique = [...new Map(r.events().map((e) => [e.id, e])).values()];
    expect(unique.map((e) => e.request.id)).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6']);
    expect(new Set(ids).size).toBe(7);
    expect(log.lines.some((l) => l.msg === 'notification endpoint answered an error' && l.status === 503)).toBe(true);
  });

  it('validates endpoint config naming the key; parses Go durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('168h')).toBe(168 * 3_600_000);
    expect(parseDuration(1_000_000_000)).toBe(1000);
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(() => parseNotifications({ endpoints: [{ name: 'a', url: 'http://x', timeout: 'soon' }] })).toThrow(/notifications\.endpoints\[0\]\.timeout/);
    expect(() => parseNotifications({ endpoints: [{ name: 'a', url: 'http://x', colour: 1 }] })).toThrow(/unknown key notifications\.endpoints\[0\]\.colour/);
    expect(() => parseNotifications({ endpoints: [{ url: 'http://x' }] })).toThrow(/endpoints\[0\]\.name is required/);
    expect(() => parseNotifications({ endpoints: [{ name: 'a', url: 'ftp://x' }] })).toThrow(/url must be an http/);
    expect(() => parseNotifications({ endpoints: [{ name: 'a', url: 'http://x', threshold: 'lots' }] })).toThrow(/threshold/);
  });
});
