/** Structured JSON logging (one object per line), levels as distribution's `log.level`. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  readonly level: LogLevel | 'silent';
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

export function isLogLevel(s: unknown): s is LogLevel {
  return typeof s === 'string' && s in RANK;
}

/** A logger writing JSON lines (default: stderr). `silent` drops everything. */
export function createLogger(level: LogLevel | 'silent' = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return {
    level,
    log(lvl, msg, fields = {}) {
      if (level === 'silent' || RANK[lvl] > RANK[level]) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields })}\n`);
    },
  };
}
