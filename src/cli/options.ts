import type { Command } from 'commander';
import { UsageError } from '../errors/errors.js';

/** The global options every command sees (via `cmd.optsWithGlobals()`). */
export interface GlobalOptions {
  plainHttp?: boolean;
  insecure?: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  creds?: string;
  jobs: number;
  chunkSize?: number;
  /** `--timeout`, in ms. */
  timeout?: number;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** Parse `10M`, `5MiB`, `1g`, `4096` into bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(s.trim());
  if (!m) throw new UsageError(`invalid size "${s}" (examples: 4096, 512K, 16M, 1G)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const n = Math.floor(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`invalid size "${s}"`);
  return n;
}

/** A parser for one option: its errors name the option (`--jobs: expected a positive integer, got "0"`). */
export function forOption<T>(flag: string, parse: (s: string) => T): (s: string) => T {
  return (s) => {
    try {
      return parse(s);
    } catch (e) {
      throw new UsageError(`${flag}: ${(e as Error).message}`);
    }
  };
}

export function parsePositiveInt(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`expected a positive integer, got "${s}"`);
  return n;
}

/** Parse `30s`, `2m`, `1500ms`, `45` (seconds) into milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(s.trim());
  const ms = m ? Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's').toLowerCase() as 'ms' | 's' | 'm' | 'h']) : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new UsageError(`invalid duration "${s}" (examples: 30s, 2m, 1500ms)`);
  return ms;
}
