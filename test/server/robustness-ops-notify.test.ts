import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, dist } from '../cli/helpers.js';
import { type Served, spawnServe, stopServe } from './spawn.js';
import { tempDir } from '../helpers/temp.js';

// notifications.endpoints values that parse but can never work: refused at start, or given distribution's meaning
interface Hook { url: string; posts: string[]; auths: Array<string | undefined>; server: Server }

async function webhook(status: number, delayMs = 0): Promise<Hook> {
  const posts: string[] = [];
  const auths: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    auths.push(req.headers.authorization);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posts.push(body);
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, posts, auths, server };
}

function configWith(endpoint: string): string {
  const dir = tempDir();
  const file = join(dir, 'config.yml');
  writeFileSync(file, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:0\nnotifications:\n  endpoints:\n    - name: hook\n${endpoint}`);
  return file;
}

const running: Served[] = [];
const hooks: Hook[] = [];

async function serveWith(cfg: string): Promise<string> {
  const s = await spawnServe(['--config', cfg]);
  running.push(s);
  return s.url;
}

async function pushBlob(url: string): Promise<void> {
  const body = randomBytes(32);
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const r = await fetch(`${url}/v2/r/blobs/uploads/?digest=${digest}`, { method: 'POST', body, headers: { 'Content-Type': 'application/octet-stream' } });
  expect(r.status).toBe(201);
}

describe('notification endpoint settings (robustness)', () => {
  beforeAll(() => buildOnce(), 240_000);
  afterEach(() => Promise.all(running.splice(0).map(stopServe)));
  afterAll(() => Promise.all(hooks.map((h) => new Promise((res) => h.server.close(res)))));

  it('timeout: 0s means the default (1s), not "abort every POST at once"', async () => {
    const hook = await webhook(200, 100);
    hooks.push(hook);
    const url = await serveWith(configWith(`      url: ${hook.url}\n      timeout: 0s\n      backoff: 100ms\n`));
    await pushBlob(url);
    await sleep(1500);
    const pushes = hook.posts.filter((p) => p.includes('"push"'));
    expect(pushes).toHaveLength(1); // delivered once, acknowledged, not retried
  }, 30_000);

  it('backoff: 0s means the default (1s), not a hot retry loop against a failing endpoint', async () => {
    const hook = await webhook(500);
    hooks.push(hook);
    const url = await serveWith(configWith(`      url: ${hook.url}\n      threshold: 1\n      backoff: 0s\n`));
    await pushBlob(url);
    await sleep(1500);
    expect(hook.posts.length).toBeGreaterThanOrEqual(1);
    expect(hook.posts.length).toBeLessThan(10);
  }, 30_000);

  it('a timeout beyond what a timer holds (720h) is refused at start: exit 2, one line', async () => {
    const r = await dist(['serve', '--config', configWith('      url: http://127.0.0.1:9/x\n      timeout: 720h\n')], { wrapper: ['timeout', '-s', 'KILL', '10'] });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('dist: config: notifications.endpoints[0].timeout must be at most 596h');
  }, 30_000);

  it('a header name fetch refuses is refused at start: exit 2, one line', async () => {
    const r = await dist(['serve', '--config', configWith('      url: http://127.0.0.1:9/x\n      headers:\n        "Bad Header": [v]\n')], { wrapper: ['timeout', '-s', 'KILL', '10'] });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('dist: config: notifications.endpoints[0].headers.Bad Header: invalid header name or value (no spaces in names, no line breaks in values)');
  }, 30_000);

  it('corrupt queue entries at start-up (truncated, null, a directory) are dropped; the events behind them are delivered', async () => {
    const hook = await webhook(200);
    hooks.push(hook);
    const cfg = configWith(`      url: ${hook.url}\n      backoff: 100ms\n`);
    const q = join(cfg, '..', 'data', '_dist', 'notify', 'hook');
    mkdirSync(join(q, '0000000000000003.json'), { recursive: true });
    writeFileSync(join(q, '0000000000000001.json'), '{"id":"trunc');
    writeFileSync(join(q, '0000000000000002.json'), 'null');
    writeFileSync(join(q, '0000000000000004.json'), JSON.stringify({ id: 'queued-before-crash', action: 'push' }));
    const url = await serveWith(cfg);
    await pushBlob(url);
    const until = Date.now() + 5000;
    while (hook.posts.length < 2 && Date.now() < until) await sleep(50);
    await sleep(300);
    expect(hook.posts.some((p) => p.includes('null'))).toBe(false);
    expect(hook.posts).toHaveLength(2);
    expect(hook.posts[0]).toContain('queued-before-crash');
    expect(hook.posts[1]).toContain('"action":"push"');
  }, 30_000);

  it('user:password in the endpoint URL is sent as Basic auth (fetch refuses such a URL: nothing was ever delivered)', async () => {
    const hook = await webhook(200);
    hooks.push(hook);
    const url = await serveWith(configWith(`      url: ${hook.url.replace('http://', 'http://hook:p%40ss@')}\n      backoff: 100ms\n`));
    await pushBlob(url);
    const until = Date.now() + 5000;
    while (hook.posts.length < 1 && Date.now() < until) await sleep(50);
    expect(hook.posts).toHaveLength(1);
    expect(hook.auths[0]).toBe(`Basic ${Buffer.from('hook:p@ss').toString('base64')}`);
  }, 30_000);
});
