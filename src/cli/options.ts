import type { Command } from 'commander';
import { UsageError } from '../errors/errors.js';

/** The global options every command sees (via `cmd.optsWithGlobals()`). */
export interface GlobalOptions {
  plainHttp?: boolean;
  insecure?: boolean;
  caFile?: string;
  creds?: string;
  jobs: number;
  chunkSize?: number;
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

export function parsePositiveInt(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`expected a positive integer, got "${s}"`);
  return n;
}
