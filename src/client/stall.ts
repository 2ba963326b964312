import type { Readable } from 'node:stream';
import { TransportError } from '../errors/errors.js';
import { DirectBody } from '../transport/direct-body.js';
import { timeoutError } from '../transport/http1.js';
import type { HttpRequest, Middleware } from '../transport/types.js';

/** Request bodies up to this size are metadata: the answer should follow them within the timeout. */
const SMALL_BODY = 64 * 1024;

/** A TransportError the retry middleware treats as a connection failure (undici's timeout codes). */
function stalled(req: HttpRequest, ms: number, code: 'UND_ERR_HEADERS_TIMEOUT' | 'UND_ERR_BODY_TIMEOUT', what: string): TransportError {
  return timeoutError(req, ms, code, what, 'the registry stopped answering; try again, or raise --timeout');
}

/**
 * Destroy `body` once the registry has sent nothing for `ms` while the reader waits for bytes. A
 * reader that is slow itself (bytes buffered, undici paused) is not the registry's stall.
 */
function watchBody(body: Readable, ms: number, onStall: () => Error): void {
  let last = Date.now();
  const push = body.push.bind(body);
  body.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    last = Date.now();
    if (chunk === null) clearInterval(timer); // all of it arrived
    return push(chunk, encoding);
  };
  // someone waits for bytes: a pipe/`data` listener, or an async iterator (`readable`)
  const reading = (): boolean => body.readableFlowing === true || body.listenerCount('readable') > 0;
  const timer = setInterval(() => {
    if (body.destroyed || body.readableEnded) return clearInterval(timer);
    if (body.readableLength > 0 || !reading()) last = Date.now();
    else if (Date.now() - last >= ms) {
      clearInterval(timer);
      body.destroy(onStall());
    }
  }, Math.max(50, Math.min(1000, ms / 4)));
  timer.unref();
  body.once('close', () => clearInterval(timer));
}

/**
 * `--timeout`: give up on a request whose answer does not start within `ms` (requests without a
 * large body; an upload's answer may legitimately wait for the registry to hash it), and on any
 * response body that receives nothing for `ms`. Place it innermost: each attempt gets its own timer,
 * and the retry middleware sees undici's timeout codes.
 */
export function stallTimeoutMiddleware(ms: number): Middleware {
  return (next) => async (req) => {
    const small = req.body === undefined || typeof req.body === 'string' ? (req.body?.length ?? 0) <= SMALL_BODY : req.body instanceof Uint8Array && req.body.length <= SMALL_BODY;
    let res;
    if (!small) res = await next(req);
    else {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(stalled(req, ms, 'UND_ERR_HEADERS_TIMEOUT', 'no answer')), ms);
      try {
        res = await next({ ...req, signal: req.signal ? AbortSignal.any([req.signal, ac.signal]) : ac.signal });
      } catch (err) {
        if (ac.signal.aborted && !req.signal?.aborted) throw ac.signal.reason as Error;
        throw err;
      } finally {
        clearTimeout(timer);
      }
    }
    // a DirectBody (direct-get.ts) may be drained rather than streamed: it keeps its own clock
    if (res.body instanceof DirectBody) res.body.stallAfter(ms, () => stalled(req, ms, 'UND_ERR_BODY_TIMEOUT', 'no data'));
    else watchBody(res.body, ms, () => stalled(req, ms, 'UND_ERR_BODY_TIMEOUT', 'no data'));
    return res;
  };
}
