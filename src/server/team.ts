import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { JSONWebKeySet } from 'jose';
import { UsageError } from '../errors/errors.js';
import type { StorageDriver } from '../storage/driver/driver.js';
import type { Exclusive } from '../storage/driver/cached/redis-lock.js';
import { type DigestGuard, GcGuard } from '../storage/gc/guard.js';
import { GuardedDriver } from '../storage/gc/guarded-driver.js';
import type { AccessController } from './auth/controller.js';
import type { RegistryEvent } from './context.js';
import { listen, parseAddr, type RunningServer } from './listen.js';
import type { Logger as CoreLogger } from './log.js';
import { Maintenance } from './maintenance.js';
import { Notifier } from './notify/notifier.js';
import { startDebugServer } from './observe/debug-server.js';
import { instrument } from './observe/instrument.js';
import { adaptLogger, type Logger } from './observe/log.js';
import type { Metrics } from './observe/metrics.js';
import type { AuthHook, RegistryHandler } from './registry.js';
import type { TeamConfig } from './team-config.js';
import { listenTls, loadTls } from './tls.js';

export interface Team {
  /** Wrap the storage driver (online GC guard) before building the registry. */
  wrapDriver(d: StorageDriver): StorageDriver;
  /** `auth` and `onEvent` for createRegistry. */
  registryOptions: { auth?: AuthHook; onEvent?: (e: RegistryEvent) => void };
  /** Listen (HTTPS when `http.tls`), with metrics, `/debug/health` and the built-in `/token` endpoint. */
  listen(handler: RegistryHandler, addr: { host: string; port: number }): Promise<RunningServer>;
  /** Extra lines for the startup banner (debug address, token endpoint…). */
  banner: string[];
  /** Prometheus metrics, kept only when they can be read (`http.debug.prometheus`): prom-client is not even loaded otherwise. */
  metrics?: Metrics;
  maintenance?: Maintenance;
  notifier?: Notifier;
  close(): Promise<void>;
}

async function accessController(cfg: TeamConfig, log: Logger, scheme: string): Promise<{ ac?: AccessController; tokenHandler?: (req: IncomingMessage, res: ServerResponse) => Promise<void> }> {
  const a = cfg.auth;
  if (!a) return {};
  // Each kind loads its own modules (bcryptjs; jose; yaml): a start-up without auth loads none.
  if (a.kind === 'htpasswd') {
    const { HtpasswdAccessController } = await import('./auth/htpasswd.js');
    try {
      return { ac: await HtpasswdAccessController.create({ realm: a.realm, path: a.path, anonymousPull: a.anonymousPull, log }) };
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`config: auth.htpasswd.path: ${e.message}`); // readable, but no usable entry
      throw new UsageError(`config: auth.htpasswd.path: cannot read ${a.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const [{ TokenAccessController }, { parseCertBundle, trustedKeyResolver }] = await Promise.all([import('./auth/token.js'), import('./auth/trust.js')]);
  if (a.kind === 'token') {
    let jwks: JSONWebKeySet | undefined;
    try {
      jwks = a.jwks ? (JSON.parse(readFileSync(a.jwks, 'utf8')) as JSONWebKeySet) : undefined;
    } catch (e) {
      throw new UsageError(`config: auth.token.jwks: ${(e as Error).message}`);
    }
    const roots = a.rootcertbundle ? parseCertBundle(readFileSync(a.rootcertbundle, 'utf8')) : [];
    if (a.rootcertbundle && roots.length === 0) throw new UsageError(`config: auth.token.rootcertbundle: no certificate in ${a.rootcertbundle}`);
    return { ac: new TokenAccessController({ realm: a.realm, service: a.service, issuers: a.issuers, keys: trustedKeyResolver({ roots, jwks }), anonymousPull: a.anonymousPull, log }) };
  }
  const [{ setupIssuer }, { publicJwks }] = await Promise.all([import('./token/setup.js'), import('./token/keys.js')]);
  const s = setupIssuer({ policyPath: a.policy, keyPath: a.key, certPath: a.certificate, issuer: a.issuer, service: a.service, ttlMs: a.ttlMs, log });
  const realm = a.realm ?? ((req: IncomingMessage) => `${scheme}://${req.headers.host ?? 'localhost'}/token`);
  const ac = new TokenAccessController({ realm, service: a.service, issuers: [a.issuer], keys: trustedKeyResolver({ jwks: await publicJwks(s.key) }), anonymousPull: a.anonymousPull, log });
  return { ac, tokenHandler: s.handler };
}

/** Assemble auth, TLS, notifications, online GC, metrics and health from the team config. */
export async function setupTeam(cfg: TeamConfig, ctx: { dir: string; log: CoreLogger; exclusive?: Exclusive; redis?: Redis }): Promise<Team> {
  const log = adaptLogger(ctx.log);
  const scheme = cfg.tls ? 'https' : 'http';
  const tls = cfg.tls ? loadTls(cfg.tls) : undefined;
  const metrics = cfg.debug?.prometheus ? new (await import('./observe/metrics.js')).Metrics() : undefined;
  let debugAddr: { host: string; port: number } | undefined;
  if (cfg.debug) {
    try {
      debugAddr = parseAddr(cfg.debug.addr);
    } catch {
      throw new UsageError(`config: http.debug.addr: invalid address "${cfg.debug.addr}" (expected HOST:PORT)`);
    }
  }
  const { ac, tokenHandler } = await accessController(cfg, log, scheme);
  // with Redis, several instances: touches and deletions coordinate through it (gc/redis-guard.ts)
  const guard: DigestGuard = ctx.redis && cfg.gc ? new (await import('../storage/gc/redis-guard.js')).RedisGcGuard(ctx.redis) : new GcGuard();
  let raw: StorageDriver | undefined;
  const notifier = cfg.notifications.some((e) => !e.disabled)
    ? new Notifier({ endpoints: cfg.notifications, dir: join(ctx.dir, '_dist', 'notify'), redis: ctx.redis, source: { addr: '', scheme }, log, onResult: (endpoint, ok) => metrics?.notifyResults.inc({ endpoint, outcome: ok ? 'success' : 'failure' }) })
    : undefined;
  if (notifier) metrics?.setPendingSource(() => notifier.depth());
  let maintenance: Maintenance | undefined;
  const closers: Array<() => Promise<void>> = [];
  const banner: string[] = [];

  const onEvent = (e: RegistryEvent): void => {
    if (metrics) {
      metrics.events.inc({ action: e.action, kind: e.kind });
      if (e.kind === 'blob' && (e.action === 'push' || e.action === 'mount')) {
        metrics.uploads.inc();
        metrics.uploadBytes.inc(e.size ?? 0);
      }
    }
    notifier?.publish(e);
  };

  return {
    banner,
    metrics,
    notifier,
    get maintenance() {
      return maintenance;
    },
    wrapDriver(d) {
      raw = d;
      return cfg.gc ? new GuardedDriver(d, guard) : d;
    },
    registryOptions: {
      auth: ac ? async (req, access) => ({ name: (await ac.authorize(req, access)).user }) : undefined,
      onEvent,
    },
    async listen(handler, addr) {
      const driver = raw ?? handler.storage.driver;
      const inner = instrument(handler, metrics, driver);
      const fn = (req: IncomingMessage, res: ServerResponse): void => {
        if (tokenHandler && (req.url ?? '').split('?')[0] === '/token') {
          void tokenHandler(req, res);
          return;
        }
        inner(req, res);
      };
      const wrapped = Object.assign(fn, { storage: handler.storage, routes: handler.routes, log: handler.log });
      if (cfg.debug && debugAddr) {
        // before the registry listens, so a busy debug port fails the start cleanly
        const dbg = await startDebugServer({ ...debugAddr, metrics, driver, metricsPath: cfg.debug.prometheus ? cfg.debug.metricsPath : undefined });
        banner.push(`debug server ${dbg.url} (/debug/health${cfg.debug.prometheus ? `, ${cfg.debug.metricsPath}` : ''})`);
        closers.push(dbg.close);
      }
      const running: RunningServer = tls
        ? ((await listenTls(wrapped, addr, tls, (err) => log.debug('tls client error', { error: err.code ?? err.message }))) as unknown as RunningServer)
        : await listen(wrapped, addr);
      notifier?.setSourceAddr(running.host);
      notifier?.start();
      if (notifier) closers.push(() => notifier.close());
      if (tokenHandler) banner.push(`token endpoint ${running.url}/token`);
      if (cfg.gc || cfg.uploadPurging) {
        maintenance = new Maintenance({ driver, guard, gc: cfg.gc, uploadPurging: cfg.uploadPurging, log, metrics, exclusive: ctx.exclusive });
        maintenance.start();
        closers.push(() => maintenance!.close());
      }
      return running;
    },
    async close() {
      for (const c of closers.reverse()) await c().catch(() => {});
      ac?.close?.();
    },
  };
}
