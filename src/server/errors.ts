import type { ServerResponse } from 'node:http';
import { RegistryError, storageFullCode } from '../errors/errors.js';
import type { Logger } from './log.js';

/**
 * The one place an error becomes a response: the spec's `{"errors":[…]}` envelope with the
 * status of the code from the error table. Anything that is not a RegistryError is a bug: it is
 * logged and answered 500 UNKNOWN, except a full disk: 507 Insufficient Storage (code UNKNOWN, as the
 * spec's table has no code for it), which is the operator's problem, not a bug and not the client's.
 */
export function sendError(res: ServerResponse, err: unknown, log: Logger, opts: { status?: number; head?: boolean } = {}): void {
  let e: RegistryError;
  let status = opts.status;
  const full = storageFullCode(err);
  if (err instanceof RegistryError) e = err;
  else if (full) {
    log.log('error', 'storage full', { error: String((err as Error).message ?? err) });
    e = new RegistryError('UNKNOWN', `the registry's storage is full (${full}); nothing of this request was kept as a blob or tag`);
    status = 507;
  } else {
    log.log('error', 'unexpected error', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    e = new RegistryError('UNKNOWN');
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(JSON.stringify({ errors: [e.toJSON()] }));
  res.statusCode = status ?? e.status;
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', body.length);
  res.end(opts.head ? undefined : body);
}
