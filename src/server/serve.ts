import { accessSync, constants, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDriver } from '../storage/driver/from-config.js';
import { UsageError } from '../errors/errors.js';
import type { ServeConfig } from './config.js';
import { listen, parseAddr, type RunningServer } from './listen.js';
import { createLogger, type LogLevel } from './log.js';
import { createRegistry, type RegistryOptions } from './registry.js';
import { setupTeam } from './team.js';
import { applyTeamFlags, type TeamFlags } from './team-config.js';

/** Command-line settings of `dist serve`; each one overrides the config file. */
export interface ServeOptions {
  dir?: string;
  addr?: string;
  config?: string;
  readOnly?: boolean;
  deleteEnabled?: boolean;
  logLevel?: LogLevel;
  /** Extra registry options (auth, events…), for embedding. */
  registry?: Partial<Omit<RegistryOptions, 'driver'>>;
  /** Auth/TLS/debug flags (team-config.ts), over the config's team sections. */
  team?: TeamFlags;
  /** Accept and serve Docker schema 1 manifests (compatibility.schema1.enabled; default off, as distribution). */
  schema1?: boolean;
}

export const DEFAULT_DIR = './data';
export const DEFAULT_ADDR = '127.0.0.1:5000';

/** Resolve flags over config over defaults. */
export function resolveServe(opts: ServeOptions, cfg: ServeConfig = {}): Required<Omit<ServeOptions, 'config' | 'registry' | 'team' | 'schema1'>> & { secret?: string } {
  return {
    dir: opts.dir ?? cfg.rootDirectory ?? DEFAULT_DIR,
    addr: opts.addr ?? cfg.addr ?? DEFAULT_ADDR,
    readOnly: opts.readOnly ?? cfg.readOnly ?? false,
    deleteEnabled: opts.deleteEnabled ?? cfg.deleteEnabled ?? true,
    logLevel: opts.logLevel ?? cfg.logLevel ?? 'info',
    secret: cfg.secret ?? process.env.REGISTRY_HTTP_SECRET,
  };
}

/**
 * The data directory must be a directory the server can write: one that is a file (or cannot be
 * created) would answer every push with a 500, so the start stops here with one line instead.
 */
function checkDataDir(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // created on the first write
    throw new UsageError(`data directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!st.isDirectory()) throw new UsageError(`data directory ${dir} is not a directory: pass a directory (storage.filesystem.rootdirectory)`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`data directory ${dir} is not writable by this user: fix its permissions or pass another directory`);
  }
}

const LISTEN_HINTS: Record<string, string> = {
  EADDRINUSE: 'address already in use: stop what listens there, or pick another address (port 0 picks a free one)',
  EADDRNOTAVAIL: 'no such local address: use one of this host\'s addresses, e.g. 127.0.0.1',
  EACCES: 'permission denied: ports below 1024 need privileges, pick a higher port',
  ENOTFOUND: 'unknown host name',
};

/** A listen failure as one line naming the address and what to do (was: `listen EADDRINUSE: …`, exit 1). */
function listenError(e: unknown, addr: string): unknown {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  const hint = LISTEN_HINTS[err.code ?? ''];
  // the failing listener may be http.debug.addr's: name the address the error names
  const where = err.address !== undefined && err.port !== undefined ? `${err.address.includes(':') ? `[${err.address}]` : err.address}:${err.port}` : addr;
  return hint ? new UsageError(`cannot listen on ${where}: ${hint}`) : e;
}

const servingDir = (dir: string): string => join(dir, '_dist', 'serving');

/**
 * While it serves, each `dist serve` leaves `<dir>/_dist/serving/<pid>.json`, so an offline
 * `dist gc` on the same directory can refuse to run: a manifest PUT between its mark and its
 * sweep would leave a tag naming deleted blobs. Best effort: a marker it cannot write is skipped.
 */
function markServing(dir: string, readOnly: boolean): () => void {
  const file = join(servingDir(dir), `${process.pid}.json`);
  try {
    mkdirSync(servingDir(dir), { recursive: true });
    writeFileSync(file, JSON.stringify({ pid: process.pid, readOnly }));
  } catch {
    return () => {};
  }
  return () => rmSync(file, { force: true });
}

/** Writable `dist serve` processes alive on this host serving `dir` (their pids); read-only ones are safe for gc. */
export function writableServers(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(servingDir(dir));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    try {
      const m = JSON.parse(readFileSync(join(servingDir(dir), n), 'utf8')) as { pid?: unknown; readOnly?: unknown };
      if (typeof m.pid !== 'number' || m.readOnly === true || m.pid === process.pid) continue;
      process.kill(m.pid, 0); // throws when no such process (a server that was killed: a stale marker)
      out.push(m.pid);
    } catch {
      // unreadable marker or dead process
    }
  }
  return out;
}

/** Start `dist serve`: a filesystem-backed registry listening on the resolved address. */
export async function startServe(opts: ServeOptions): Promise<RunningServer & { dir: string; banner?: string[] }> {
  // yaml (and the config schema) load only with --config
  const cfg = opts.config ? await (await import('./config.js')).loadConfig(opts.config) : {};
  const r = resolveServe(opts, cfg);
  let addr: { host: string; port: number };
  try {
    addr = parseAddr(r.addr);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!cfg.s3) checkDataDir(r.dir);
  // storage.s3 / redis selection (S3 driver owner): the filesystem unless configured otherwise.
  const opened = await openDriver({ dir: r.dir, s3: cfg.s3, redis: cfg.redis, blobDescriptorCache: cfg.blobDescriptorCache });
  const log = createLogger(r.logLevel);
  // auth, TLS, notifications, online GC, metrics/health (issue 5 owner: team.ts)
  const team = await setupTeam(applyTeamFlags(cfg.team, opts.team), { dir: r.dir, log, exclusive: opened.exclusive, redis: opened.redis });
  const schema1 = opts.schema1 ?? cfg.schema1?.enabled ?? false;
  const manifestHandlers = schema1 ? await (await import('../legacy/schema1-handlers.js')).schema1ManifestHandlers({ keyFile: cfg.schema1?.signingKeyFile }) : undefined;
  const handler = createRegistry({
    log,
    manifestHandlers,
    ...team.registryOptions,
    ...opts.registry,
    driver: team.wrapDriver(opened.driver),
    readOnly: r.readOnly,
    deleteEnabled: r.deleteEnabled,
    secret: r.secret,
    redirect: cfg.redirect ?? false,
  });
  let running: RunningServer;
  try {
    running = await team.listen(handler, addr);
  } catch (e) {
    await team.close();
    await opened.close();
    throw listenError(e, r.addr);
  }
  const unmark = cfg.s3 ? () => {} : markServing(r.dir, r.readOnly);
  const close = running.close.bind(running);
  return { ...running, dir: cfg.s3 ? opened.description : r.dir, banner: team.banner, close: async (graceMs?: number) => { await close(graceMs); await team.close(); await opened.close(); unmark(); } };
}
