import { printable } from '../client/printable.js';
import { causeChain, DistError, RegistryError } from '../errors/errors.js';

/** Documented, stable exit codes (README "Exit codes"). */
export const Exit = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  AUTH: 4,
  VERIFY: 5,
  NETWORK: 6,
  /** 128 + SIGINT, as shells report an interrupted command. */
  INTERRUPTED: 130,
} as const;

/** Map any error to its exit code. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof RegistryError) {
    switch (err.code) {
      case 'NAME_UNKNOWN':
      case 'MANIFEST_UNKNOWN':
      case 'BLOB_UNKNOWN':
      case 'BLOB_UPLOAD_UNKNOWN':
        return Exit.NOT_FOUND;
      case 'UNAUTHORIZED':
      case 'DENIED':
        return Exit.AUTH;
      case 'DIGEST_INVALID':
      case 'SIZE_INVALID':
      case 'MANIFEST_UNVERIFIED':
        return Exit.VERIFY;
      case 'NAME_INVALID':
      case 'TAG_INVALID':
        return Exit.USAGE;
      case 'UNAVAILABLE':
      case 'TOOMANYREQUESTS':
        return Exit.NETWORK;
      default:
        return Exit.FAILURE;
    }
  }
  if (err instanceof DistError) {
    switch (err.code) {
      case 'USAGE':
        return Exit.USAGE;
      case 'AUTH':
        return Exit.AUTH;
      case 'DIGEST_MISMATCH':
      case 'SIZE_MISMATCH':
      case 'VERIFY':
        return Exit.VERIFY;
      case 'TRANSPORT':
        return Exit.NETWORK;
      case 'NOT_FOUND':
        return Exit.NOT_FOUND;
      case 'INTERRUPTED':
        return Exit.INTERRUPTED;
      case 'COPY':
        return exitCodeFor((err as Error).cause);
      default:
        return Exit.FAILURE;
    }
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return Exit.NOT_FOUND;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'ENOTFOUND') return Exit.NETWORK;
  return Exit.FAILURE;
}

/** One line: what went wrong (and, where we know it, what to do); a registry's text cannot break it. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) {
    // the hint may sit on a wrapped cause (a CopyError around a full disk)
    let hint: string | undefined;
    for (const e of causeChain(err)) if ((hint = (e as { hint?: string }).hint)) break;
    return printable(hint ? `${err.message} (${hint})` : err.message);
  }
  return printable(String(err));
}
