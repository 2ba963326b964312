import type { IncomingMessage, ServerResponse } from 'node:http';


import { join } from 'node:path';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { randomImage, storeImage, type FixtureImage } from '../helpers/layout-fixture.js';
import { startHttpServer } from '../helpers/http-server.js';
import { spawnDist, type RunResult } from '../cli/helpers.js';
import { tempDir } from '../helpers/temp.js';

/** One scripted answer. */
export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface Hostile {
  /** `127.0.0.1:<port>` */
  host: string;
  /** `METHOD /path?query` of every request, in order. */
  hits: string[];
  close(): Promise<void>;
}

/**
 * A scriptable registry on 127.0.0.1:0. `/v2/` answers 200; each request is answered by the route
 * keyed `METHOD /path`, else `/path` (any method), else the longest `prefix*` key; anything else 404.
 */
export async function hostileRegistry(routes: Record<string, Route>): Promise<Hostile> {
  const hits: string[] = [];
  const prefixes = Object.keys(routes).filter((k) => k.endsWith('*')).sort((a, b) => b.length - a.length);
  const s = await startHttpServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    hits.push(`${req.method} ${req.url}`);
    const key = `${req.method} ${path}`;
    const route = routes[key] ?? routes[path] ?? routes[prefixes.find((p) => key.startsWith(p.slice(0, -1)) || path.startsWith(p.slice(0, -1))) ?? ''];
    if (route) return route(req, res);
    if (path === '/v2/') return void res.writeHead(200, { 'content-length': '0' }).end();
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"not here"}]}');
  });
  return { host: s.host, hits, close: s.close };
}

/** Answer with these bytes (no body for HEAD), Content-Length and the given headers. */
export function bytes(body: Buffer | string, headers: Record<string, string> = {}, status = 200): Route {
  const b = Buffer.from(body);
  return (req, res) => {
    res.writeHead(status, { 'content-length': String(b.length), ...headers });
    res.end(req.method === 'HEAD' ? undefined : b);
  };
}

/** Honest routes for `img` in repository `repo`: manifest by tag `v1` and by digest, every blob. */
export function honest(img: FixtureImage, repo = 'r'): Record<string, Route> {
  const m = bytes(img.manifest.bytes, { 'content-type': img.manifest.desc.mediaType, 'docker-content-digest': img.manifest.desc.digest });
  const out: Record<string, Route> = { [`/v2/${repo}/manifests/v1`]: m, [`/v2/${repo}/manifests/${img.manifest.desc.digest}`]: m };
  for (const b of [img.config, ...img.layers]) out[`/v2/${repo}/blobs/${b.desc.digest}`] = bytes(b.bytes, { 'content-type': 'application/octet-stream', 'docker-content-digest': b.desc.digest });
  return out;
}

/** A temp dir holding an OCI layout `layout` with a one-layer image tagged v1 (for push tests). */
export async function layoutWithImage(size = 4096): Promise<{ work: string; layoutDir: string; img: FixtureImage }> {
  const work = tempDir('dist-hostile-');
  const img = await randomImage({ layers: 1, size });
  const layoutDir = join(work, 'layout');
  await storeImage(await OciLayout.open(layoutDir), img.blobs, 'v1');
  return { work, layoutDir, img };
}

/** A private state dir (upload journal) and docker config for one CLI run. */
export const isolatedEnv = (work: string, name: string): NodeJS.ProcessEnv => ({ DIST_STATE_DIR: join(work, name, 'state'), DOCKER_CONFIG: join(work, name, 'docker') });

/**
 * Run the CLI (quiet, isolated env), killing it after `ms`: a hang shows up as `signal: SIGKILL`
 * in the result instead of a test timeout that leaves the child running.
 */
export async function runWithin(ms: number, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult & { ms: number }> {
  const t0 = Date.now();
  const { child, done } = spawnDist(['-q', ...args], { env });
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const r = await done;
  clearTimeout(timer);
  return { ...r, ms: Date.now() - t0 };
}

/** The CLI's stderr is exactly one line `dist: …` (no stack trace, no second line). */
export function oneLine(r: RunResult): string {
  const lines = r.stderr.trimEnd().split('\n');
  if (lines.length !== 1 || !lines[0]!.startsWith('dist: ')) throw new Error(`expected one "dist:" line on stderr, got:\n${r.stderr}`);
  return lines[0]!;
}
