import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { UsageError } from '../errors/errors.js';
import { withEnvOverrides } from '../storage/driver/from-config.js';
import { isLogLevel, type LogLevel } from './log.js';
import { validateConfigKeys } from './config-schema.js';
import { parseTeamConfig, type TeamConfig } from './team-config.js';

/** The keys of distribution's YAML configuration that `dist serve` applies. */
export interface ServeConfig {
  rootDirectory?: string;
  deleteEnabled?: boolean;
  addr?: string;
  secret?: string;
  logLevel?: LogLevel;
  readOnly?: boolean;
  /** storage.s3 (distribution's keys, passed to the S3 driver as they are): selects S3 storage. */
  s3?: Record<string, unknown>;
  /** storage.redirect: blob GET/HEAD answer 307 to a presigned store URL. Off unless `enabled: true` or `disable: false`. */
  redirect?: boolean;
  /** The top-level `redis` section and storage.cache.blobdescriptor (`redis` enables the shared cache). */
  redis?: Record<string, unknown>;
  blobDescriptorCache?: string;
  /** auth, http.tls, http.debug, notifications, storage.gc, upload purging (team-config.ts). */
  team?: TeamConfig;
  /** compatibility.schema1.enabled / .signingkeyfile: accept and serve Docker schema 1 (src/legacy). */
  schema1?: { enabled?: boolean; signingKeyFile?: string };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

function str(v: unknown, key: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new UsageError(`config: ${key} must be a string`);
  return String(v);
}

function bool(v: unknown, key: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new UsageError(`config: ${key} must be true or false`);
}

const negate = (b: boolean | undefined): boolean | undefined => (b === undefined ? undefined : !b);

/** Parse distribution YAML text (storage.filesystem.rootdirectory, storage.delete.enabled, http.addr, http.secret, log.level, storage.maintenance.readonly.enabled). */
export function parseConfig(text: string, env: NodeJS.ProcessEnv = {}): ServeConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new UsageError(`config: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const root = obj(doc);
  validateConfigKeys(root); // unknown keys and wrong types stop the start, naming the key
  const storage = obj(root.storage);
  const http = obj(root.http);
  const level = str(env.REGISTRY_LOG_LEVEL ?? obj(root.log).level, 'log.level');
  if (level !== undefined && !isLogLevel(level)) throw new UsageError(`config: log.level must be error, warn, info or debug (got "${level}")`);
  return {
    rootDirectory: str(env.REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY ?? obj(storage.filesystem).rootdirectory, 'storage.filesystem.rootdirectory'),
    deleteEnabled: bool(env.REGISTRY_STORAGE_DELETE_ENABLED ?? obj(storage.delete).enabled, 'storage.delete.enabled'),
    addr: str(env.REGISTRY_HTTP_ADDR ?? http.addr, 'http.addr'),
    secret: str(env.REGISTRY_HTTP_SECRET ?? http.secret, 'http.secret'),
    logLevel: level,
    readOnly: bool(obj(obj(storage.maintenance).readonly).enabled, 'storage.maintenance.readonly.enabled'),
    s3: withEnvOverrides(storage.s3 === undefined ? undefined : obj(storage.s3), env, 'REGISTRY_STORAGE_S3_'),
    redirect: bool(obj(storage.redirect).enabled, 'storage.redirect.enabled') ?? negate(bool(obj(storage.redirect).disable, 'storage.redirect.disable')),
    redis: withEnvOverrides(root.redis === undefined ? undefined : obj(root.redis), env, 'REGISTRY_REDIS_'),
    blobDescriptorCache: str(obj(storage.cache).blobdescriptor, 'storage.cache.blobdescriptor'),
    team: parseTeamConfig(root),
    schema1: {
      enabled: bool(obj(obj(root.compatibility).schema1).enabled, 'compatibility.schema1.enabled'),
      signingKeyFile: str(obj(obj(root.compatibility).schema1).signingkeyfile, 'compatibility.schema1.signingkeyfile'),
    },
  };
}

export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ServeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`config: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseConfig(text, env);
}
