import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { RegistryError } from '../errors/errors.js';
import type { StorageDriver } from '../storage/driver/driver.js';
import type { ManifestHandler } from '../storage/manifest-handlers.js';
import { RegistryStorage } from '../storage/registry-storage.js';
import type { Ctx, RegistryEvent } from './context.js';
import { HANDLERS, WRITE_METHODS } from './dispatch.js';
import { sendError } from './errors.js';
import { givenRequestId } from './http.js';
import { lingerOnClose } from './linger.js';
import { createLogger, type Logger } from './log.js';
import { type Access, accessFor, matchRoute, ROUTES, type Route } from './router.js';
import { UploadState } from './upload-state.js';

/** Who the auth hook says the caller is (for events and logs). */
export interface AuthResult {
  name?: string;
}

/** Auth middleware hook: resolve to let the request through, throw a RegistryError (401/403) to refuse. */
export type AuthHook = (req: IncomingMessage, access: Access[]) => Promise<AuthResult | void>;

export interface RegistryOptions {
  driver: StorageDriver;
  /** Refuse every write with UNSUPPORTED/405 (default false). */
  readOnly?: boolean;
  /** Allow manifest/blob/tag DELETE (default true; `storage.delete.enabled`). */
  deleteEnabled?: boolean;
  /** `http.secret`: when set, upload Locations carry an HMAC'd `_state` that is checked when sent back. */
  secret?: string;
  /** storage.redirect: blob GET/HEAD answer 307 to the driver's presigned URL when it has one (default false). */
  redirect?: boolean;
  /** Structured logger (default: JSON lines on stderr at `info`). */
  log?: Logger;
  auth?: AuthHook;
  onEvent?: (e: RegistryEvent) => void;
  /** Per-media-type manifest handlers (default: OCI manifest/index, Docker schema 2/list). */
  manifestHandlers?: Map<string, ManifestHandler>;
}

export type RegistryHandler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  readonly storage: RegistryStorage;
  readonly routes: readonly Route[];
  readonly log: Logger;
};

/** Build the registry as a plain `node:http` request handler. */
export function createRegistry(opts: RegistryOptions): RegistryHandler {
  const log = opts.log ?? createLogger('info');
  const storage = new RegistryStorage(opts.driver, { manifestHandlers: opts.manifestHandlers });
  const uploadState = new UploadState(opts.secret);
  const deleteEnabled = opts.deleteEnabled ?? true;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    // a request id set by the front middleware (team observe/instrument.ts) is kept, so every log line of a request shares it
    const id = givenRequestId(req.headers['x-request-id']) ?? randomUUID();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const query = new URLSearchParams(qi < 0 ? '' : url.slice(qi + 1));
    // Read now: once the connection is gone, req.socket is null (reading it then crashed the server).
    const remote = req.socket?.remoteAddress;
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.once('close', () => {
      log.log('info', 'request', {
        id,
        method,
        path: url.replace(/_state=[^&]*/, '_state=REDACTED').slice(0, 1000),
        status: res.statusCode,
        length: Number(res.getHeader('Content-Length') ?? 0),
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        remote,
        user_agent: req.headers['user-agent'],
        ...(res.writableFinished ? {} : { aborted: true }),
      });
    });
    const match = matchRoute(path);
    try {
      if (!match) throw Object.assign(new RegistryError('UNSUPPORTED', `no API endpoint at ${path.slice(0, 200)}`), { httpStatus: 404 });
      const handler = HANDLERS[match.route.name][method];
      if (!handler) {
        res.setHeader('Allow', Object.keys(HANDLERS[match.route.name]).join(', '));
        throw new RegistryError('UNSUPPORTED', `method ${method.slice(0, 20)} not allowed here`);
      }
      const actor = (await opts.auth?.(req, accessFor(match, method, query))) ?? undefined;
      if (opts.readOnly && WRITE_METHODS.has(method)) throw new RegistryError('UNSUPPORTED', 'the registry is in read-only mode');
      const ctx: Ctx = {
        req,
        res,
        params: match.params,
        query,
        storage,
        deleteEnabled,
        redirect: opts.redirect === true,
        uploadState,
        log,
        emit(e) {
          if (!opts.onEvent) return;
          try {
            opts.onEvent({
              ...e,
              request: { id, addr: remote ?? '', host: req.headers.host ?? '', method, useragent: req.headers['user-agent'] ?? '' },
              actor: actor?.name ? { name: actor.name } : {},
            });
          } catch (err) {
            log.log('warn', 'event listener failed', { error: String(err) });
          }
        },
      };
      await handler(ctx);
    } catch (err) {
      // Only a connection that is gone means the client went away. `req.destroyed` alone is not
      // that: a body read to its end is destroyed too (autoDestroy), and a failure after it (a full
      // disk at commit, a manifest whose link write failed) was answered with a reset.
      if (clientGone(req) && !(err instanceof RegistryError)) {
        log.log('debug', 'client went away', { id, error: String(err) });
        res.destroy();
        return;
      }
      const status = (err as { httpStatus?: number }).httpStatus;
      // A body not read to its end (the store failed mid-upload) is not drained: answer and close,
      // lingering so that the bytes still in flight do not reset the connection before it is read.
      if (!req.complete) {
        res.shouldKeepAlive = false;
        // req.socket is null once the connection is gone (a RegistryError still gets here then)
        if (req.socket) lingerOnClose(req.socket);
      }
      sendError(res, err, log, { head: method === 'HEAD', status });
    }
  }

  const fn = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res);
  };
  return Object.assign(fn, { storage, routes: ROUTES, log });
}

/** Did the client go away: its socket is closed, or the request was destroyed before its body ended? */
function clientGone(req: IncomingMessage): boolean {
  return !req.socket || req.socket.destroyed || (req.destroyed && !req.complete);
}
