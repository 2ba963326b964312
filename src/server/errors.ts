import type { ServerResponse } from 'node:http';
import { RegistryError } from '../errors/errors.js';
import type { Logger } from './log.js';

/**
 * The one place an error becomes a response: the spec's `{"errors":[…]}` envelope with the
 * status of the code from the error table. Anything that is not a RegistryError is a bug: it is
 * logged and answered 500 UNKNOWN.
 */
export function sendError(res: ServerResponse, err: unknown, log: Logger, opts: { status?: number; head?: boolean } = {}): void {
  let e: RegistryError;
  if (err instanceof RegistryError) e = err;
  else {
    log.log('error', 'unexpected error', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    e = new RegistryError('UNKNOWN');
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(JSON.stringify({ errors: [e.toJSON()] }));
  res.statusCode = opts.status ?? e.status;
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', body.length);
  res.end(opts.head ? undefined : body);
}
