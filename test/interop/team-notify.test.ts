import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/distribution.js';
import { randomImage, type RandomImage } from '../helpers/images.js';
import { dist, sh, spawnDist, type Proc } from './team-util.js';
import { tempDir } from '../helpers/temp.js';

interface Ev { id: string; action: string; timestamp: string; target: Record<string, unknown>; request: Record<string, string>; actor: Record<string, string>; source: Record<string, string> }

let work: string;
let imgs: RandomImage[];
beforeAll(async () => {
  work = tempDir('dist-team-notify-');
  imgs = [await randomImage({ layers: 1, size: 20_000, dir: join(work, 'a'), tag: 'v1' }), await randomImage({ layers: 1, size: 20_000, dir: join(work, 'b'), tag: 'v2' })];
});

const queued = (dir: string): Ev[] => readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Ev);

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook notifications', () => {
  it('receiver down for a while and dist serve killed and restarted in between: every event arrives exactly once after dedup, in order, in distribution format', async () => {
    const port = await freePort();
    const data = join(work, 'data');
    writeFileSync(join(work, 'config.yml'), `version: 0.1
notifications:
  endpoints:
    - name: ci-hook
      url: http://127.0.0.1:${port}/events
      headers: { Authorization: [Bearer hook-token] }
      timeout: 500ms
      threshold: 3
      backoff: 200ms
      ignore: { mediatypes: [application/octet-stream], actions: [] }
    - { name: all, url: "http://127.0.0.1:${port}/all", timeout: 1s, threshold: 2, backoff: 300ms }
`);
    const queueDir = join(data, '_dist', 'notify', 'ci-hook');
    const start = () => spawnDist(['serve', data, '--addr', '127.0.0.1:0', '--config', join(work, 'config.yml'), '--log-level', 'warn']);
    let s: Proc = await start();
    const h1 = new URL(s.url).host;
    expect((await sh('skopeo', ['copy', '--dest-tls-verify=false', `oci:${join(work, 'a')}:v1`, `docker://${h1}/team/app:v1`])).code).toBe(0);
    expect((await sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${h1}/team/app:v1`])).code).toBe(0);
    expect((await dist(['pull', `${h1}/team/app:v1`, '-o', join(work, 'out')])).code).toBe(0);
    // crash: SIGKILL, nothing flushed on the way out
    await s.stop('SIGKILL');
    const beforeRestart = queued(queueDir);
    expect(beforeRestart.length).toBeGreaterThanOrEqual(3);
    s = await start();
    const h2 = new URL(s.url).host;
    expect((await sh('skopeo', ['copy', '--dest-tls-verify=false', `oci:${join(work, 'b')}:v2`, `docker://${h2}/team/app:v2`])).code).toBe(0);
    const del = await sh('skopeo', ['delete', '--tls-verify=false', `docker://${h2}/team/app:v2`]);
    expect(del.code, del.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    const pending = queued(queueDir);
    expect(pending.slice(0, beforeRestart.length).map((e) => e.id)).toEqual(beforeRestart.map((e) => e.id));
    // the receiver comes up now
    const got: Ev[] = [];
    const all: Ev[] = [];
    const headers: Array<Record<string, unknown>> = [];
    const receiver: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const events = (JSON.parse(Buffer.concat(chunks).toString()) as { events: Ev[] }).events;
      if (req.url === '/all') all.push(...events);
      else {
        headers.push({ ...req.headers });
        got.push(...events);
      }
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
    try {
      await until(() => queued(queueDir).length === 0 && got.length >= pending.length && queued(join(data, '_dist', 'notify', 'all')).length === 0, 30_000);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await s.stop();
      await new Promise<void>((r) => { receiver.closeAllConnections(); receiver.close(() => r()); });
    }
    const unique = [...new Map(got.map((e) => [e.id, e])).values()];
    process.stderr.write(`team-notify: ${pending.length} events queued across the restart (${beforeRestart.length} before the kill), ${got.length} deliveries, ${unique.length} unique ids; actions ${unique.map((e) => `${e.action}:${e.target.mediaType ?? e.target.tag ?? ''}`).join(' ')}\n`);
    expect(unique.map((e) => e.id)).toEqual(pending.map((e) => e.id));
    expect(headers[0]!['content-type']).toBe('application/vnd.docker.distribution.events.v1+json');
    expect(headers[0]!.authorization).toBe('Bearer hook-token');
    const pushManifest = unique.find((e) => e.action === 'push' && e.target.digest === imgs[0]!.manifest.digest)!;
    expect(pushManifest).toMatchObject({
      target: { mediaType: imgs[0]!.manifest.mediaType, size: imgs[0]!.manifest.size, length: imgs[0]!.manifest.size, repository: 'team/app', tag: 'v1', url: `http://${h1}/v2/team/app/manifests/${imgs[0]!.manifest.digest}` },
      request: { method: 'PUT', host: h1 },
      source: { addr: h1 },
    });
    expect(pushManifest.request.useragent).toMatch(/skopeo|containers/i);
    expect(Date.parse(pushManifest.timestamp)).toBeGreaterThan(0);
    expect(unique.some((e) => e.action === 'pull' && e.target.digest === imgs[0]!.manifest.digest)).toBe(true);
    const delEv = unique.find((e) => e.action === 'delete')!;
    expect(delEv.target).toEqual({ repository: 'team/app', digest: imgs[1]!.manifest.digest });
    // blob events have media type application/octet-stream, which this endpoint ignores
    expect(unique.some((e) => e.target.mediaType === 'application/octet-stream')).toBe(false);
    // …but the unfiltered endpoint got them: blob pushes (config and layer) and blob pulls
    const allUnique = [...new Map(all.map((e) => [e.id, e])).values()];
    for (const b of [imgs[0]!.config, imgs[0]!.layers[0]!]) {
      expect(allUnique.find((e) => e.action === 'push' && e.target.digest === b.digest)?.target).toMatchObject({ mediaType: 'application/octet-stream', size: b.size, repository: 'team/app', url: `http://${h1}/v2/team/app/blobs/${b.digest}` });
      expect(allUnique.some((e) => e.action === 'pull' && e.target.digest === b.digest)).toBe(true);
    }
    expect(allUnique.length).toBeGreaterThan(unique.length);
  });
});
