/** Structured JSON logs (one object per line) with levels; `log.level` picks the threshold. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` (e.g. a request id) to every line. */
  child(fields: LogFields): Logger;
}

export function isLogLevel(s: unknown): s is LogLevel {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ORDER, s);
}

/** A JSON-lines logger writing to `sink` (stderr by default). */
export function jsonLogger(opts: { level?: LogLevel; sink?: (line: string) => void; fields?: LogFields } = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const sink = opts.sink ?? ((l: string) => process.stderr.write(l));
  const base = opts.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (ORDER[level] < min) return;
    sink(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields })}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => jsonLogger({ level: opts.level, sink, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (library default). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/** Collects lines in memory (tests). */
export function memoryLogger(level: LogLevel = 'debug'): Logger & { lines: Array<LogFields & { level: string; msg: string }> } {
  const lines: Array<LogFields & { level: string; msg: string }> = [];
  const log = jsonLogger({ level, sink: (l) => lines.push(JSON.parse(l) as LogFields & { level: string; msg: string }) });
  return Object.assign(log, { lines });
}

/** Adapt the server core's logger (`log(level, msg, fields)`, server/log.ts) to this interface. */
export function adaptLogger(core: { log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void }, fields: LogFields = {}): Logger {
  const emit = (level: LogLevel) => (msg: string, f?: LogFields) => core.log(level, msg, { ...fields, ...f });
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (f) => adaptLogger(core, { ...fields, ...f }) };
}
