import { FilesystemDriver } from '../storage/driver/filesystem.js';
import { UsageError } from '../errors/errors.js';
import { loadConfig, type ServeConfig } from './config.js';
import { listen, parseAddr, type RunningServer } from './listen.js';
import { createLogger, type LogLevel } from './log.js';
import { createRegistry, type RegistryOptions } from './registry.js';

/** Command-line settings of `dist serve`; each one overrides the config file. */
export interface ServeOptions {
  dir?: string;
  addr?: string;
  config?: string;
  readOnly?: boolean;
  deleteEnabled?: boolean;
  logLevel?: LogLevel;
  /** Extra registry options (auth, events…), for embedding. */
  registry?: Partial<Omit<RegistryOptions, 'driver'>>;
}

export const DEFAULT_DIR = './data';
export const DEFAULT_ADDR = '127.0.0.1:5000';

/** Resolve flags over config over defaults. */
export function resolveServe(opts: ServeOptions, cfg: ServeConfig = {}): Required<Omit<ServeOptions, 'config' | 'registry'>> & { secret?: string } {
  return {
    dir: opts.dir ?? cfg.rootDirectory ?? DEFAULT_DIR,
    addr: opts.addr ?? cfg.addr ?? DEFAULT_ADDR,
    readOnly: opts.readOnly ?? cfg.readOnly ?? false,
    deleteEnabled: opts.deleteEnabled ?? cfg.deleteEnabled ?? true,
    logLevel: opts.logLevel ?? cfg.logLevel ?? 'info',
    secret: cfg.secret ?? process.env.REGISTRY_HTTP_SECRET,
  };
}

/** Start `dist serve`: a filesystem-backed registry listening on the resolved address. */
export async function startServe(opts: ServeOptions): Promise<RunningServer & { dir: string }> {
  const cfg = opts.config ? await loadConfig(opts.config) : {};
  const r = resolveServe(opts, cfg);
  let addr: { host: string; port: number };
  try {
    addr = parseAddr(r.addr);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const handler = createRegistry({
    log: createLogger(r.logLevel),
    ...opts.registry,
    driver: new FilesystemDriver(r.dir),
    readOnly: r.readOnly,
    deleteEnabled: r.deleteEnabled,
    secret: r.secret,
  });
  const running = await listen(handler, addr);
  return { ...running, dir: r.dir };
}
