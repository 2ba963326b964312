import { ERROR_CODES, type ErrorCode, isErrorCode } from './codes.js';

/** Base of every error dist throws on purpose: a stable machine-readable `code`. */
export class DistError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An error in the OCI distribution vocabulary: maps to one HTTP status and envelope entry. */
export class RegistryError extends DistError {
  declare readonly code: ErrorCode;
  readonly detail: unknown;
  /** Extra response headers (e.g. `Range` on a 416). */
  readonly headers: Record<string, string>;
  constructor(code: ErrorCode, message?: string, detail?: unknown, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(code, message ?? ERROR_CODES[code].message, options);
    this.detail = detail;
    this.headers = options?.headers ?? {};
  }
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
  /** The spec's JSON envelope entry. */
  toJSON(): { code: ErrorCode; message: string; detail?: unknown } {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

/** Shorthand: `oci('BLOB_UNKNOWN', undefined, { digest })`. */
export function oci(code: ErrorCode, message?: string, detail?: unknown): RegistryError {
  return new RegistryError(code, message, detail);
}

/** One error of an envelope received from a registry (client side). */
export interface WireError { code: string; message?: string; detail?: unknown }

/** Parse a `{"errors":[…]}` body; unknown codes become UNKNOWN (spec). Returns [] when not an envelope. */
export function parseErrorEnvelope(body: string): WireError[] {
  try {
    const v = JSON.parse(body) as { errors?: unknown };
    if (!v || !Array.isArray(v.errors)) return [];
    return v.errors
      .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
      .map((e) => ({
        code: isErrorCode(e.code) ? e.code : 'UNKNOWN',
        message: typeof e.message === 'string' ? e.message : undefined,
        detail: e.detail,
      }));
  } catch {
    return [];
  }
}

/** Rebuild a RegistryError from the first entry of a wire envelope. */
export function fromWire(errors: WireError[], fallbackMessage: string): RegistryError {
  const first = errors[0];
  if (!first) return new RegistryError('UNKNOWN', fallbackMessage);
  const code = isErrorCode(first.code) ? first.code : 'UNKNOWN';
  return new RegistryError(code, first.message ?? ERROR_CODES[code].message, first.detail);
}

/** A digest or size check failed while content streamed. */
export class DigestMismatchError extends DistError {
  constructor(readonly expected: string, readonly actual: string, what = 'content') {
    super('DIGEST_MISMATCH', `${what}: digest mismatch: expected ${expected}, got ${actual}`);
  }
}

export class SizeMismatchError extends DistError {
  constructor(readonly expected: number, readonly actual: number, what = 'content') {
    super('SIZE_MISMATCH', `${what}: size mismatch: expected ${expected} bytes, got ${actual}`);
  }
}

/** Credentials missing or refused (client side). */
export class AuthError extends DistError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AUTH', message, options);
  }
}

/** The network or the peer failed (connection reset, timeout, 5xx after retries). */
export class TransportError extends DistError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TRANSPORT', message, options);
  }
}

/** Bad user input (reference, flag, file): a usage error. */
export class UsageError extends DistError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** The user interrupted the operation (Ctrl-C / SIGTERM); nothing partial was left behind. */
export class InterruptedError extends DistError {
  constructor(readonly signal: string) {
    super('INTERRUPTED', `interrupted by ${signal}; nothing partial was kept, run the same command again to continue`);
  }
}

/** Out of space (ENOSPC), over quota (EDQUOT) or over the file-size limit (EFBIG): the error's code, else undefined. */
export function storageFullCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' ? code : undefined;
}

/** Writing local content failed (a full disk, a quota, a file-size limit, a read-only file system). */
export class LocalWriteError extends DistError {
  readonly hint: string | undefined;
  constructor(path: string, cause: NodeJS.ErrnoException) {
    super('LOCAL_WRITE', `cannot write ${path}: ${cause.message}`, { cause });
    this.hint = storageFullCode(cause) ? 'free some space and run the same command again: what was already written is kept and the transfer continues from there' : undefined;
  }
}

/** A copy failed on one side; `side` says which. */
export class CopyError extends DistError {
  constructor(readonly side: 'source' | 'destination', message: string, options?: { cause?: unknown }) {
    super('COPY', `${side}: ${message}`, options);
  }
}

/** An error and the causes it wraps, outermost first (at most `max`: a cycle cannot loop). */
export function* causeChain(err: unknown, max = 5): Generator<unknown> {
  for (let e: unknown = err, depth = 0; e && depth < max; e = (e as Error).cause, depth++) yield e;
}
