import { TransportError } from '../errors/errors.js';
import { isNetworkError } from './base.js';
import { discard, header, isReplayable, type Handler, type HttpResponse, type Middleware } from './types.js';

export interface RetryOptions {
  /** Attempts in total, first one included (default 5). */
  maxAttempts?: number;
  /** Give up once this much time has passed since the first attempt (default 60 s). */
  maxElapsedMs?: number;
  /** First backoff (default 250 ms); doubles each attempt, capped at `maxDelayMs` (default 8 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests: time and randomness. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Called before each retry (for -v logging). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export const RETRY_DEFAULTS = { maxAttempts: 5, maxElapsedMs: 60_000, baseDelayMs: 250, maxDelayMs: 8_000 } as const;

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** 5xx that another attempt cannot fix: not implemented, version, storage full (507), loop, network auth. */
const FINAL_5XX = new Set([501, 505, 507, 508, 511]);

export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUS.has(status) || (status > 500 && status < 600 && !FINAL_5XX.has(status));
}

/** Parse `Retry-After` (delta seconds or HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Retry with exponential backoff and full jitter on connection errors, 408, 429 and 5xx, honouring
 * `Retry-After`, within a bounded total time. Requests with a streaming body or `retry: false` pass through.
 */
export function retryMiddleware(opts: RetryOptions = {}): Middleware {
  const o = { ...RETRY_DEFAULTS, ...opts };
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  return (next: Handler): Handler => async (req) => {
    if (req.retry === false || !isReplayable(req.body)) return next(req);
    const start = now();
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse | undefined;
      let error: unknown;
      try {
        res = await next(req);
        if (!isRetryableStatus(res.status)) return res;
      } catch (err) {
        if (!isNetworkError(err)) throw err;
        error = err;
      }
      const backoff = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1));
      let delay = Math.floor(random() * backoff);
      const retryAfter = res ? parseRetryAfter(header(res, 'retry-after'), now()) : undefined;
      if (retryAfter !== undefined) delay = retryAfter;
      const elapsed = now() - start;
      if (attempt >= o.maxAttempts || elapsed + delay > o.maxElapsedMs || req.signal?.aborted) {
        if (res) return res;
        throw error instanceof Error ? error : new TransportError(String(error));
      }
      if (res) await discard(res);
      const reason = res ? `HTTP ${res.status}` : (error as Error).message;
      o.onRetry?.({ attempt, delayMs: delay, reason });
      await sleep(delay);
    }
  };
}
