import { UsageError } from '../../errors/errors.js';
import { parseDuration } from './duration.js';

/** One `notifications.endpoints[]` entry (distribution's keys, §8.4). */
export interface EndpointConfig {
  name: string;
  url: string;
  headers: Record<string, string[]>;
  timeoutMs: number;
  threshold: number;
  backoffMs: number;
  disabled: boolean;
  ignoredMediaTypes: string[];
  ignoreActions: string[];
}

const KEYS = ['name', 'url', 'headers', 'timeout', 'threshold', 'backoff', 'disabled', 'ignoredmediatypes', 'ignore'];
type Obj = Record<string, unknown>;

function strList(v: unknown, key: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new UsageError(`config: ${key} must be a list of strings`);
  return v;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A header name or value fetch would refuse on every POST (the queue would never move): refused at start instead. */
function checkHeaders(headers: Record<string, string[]>, at: string): void {
  for (const [k, vs] of Object.entries(headers)) {
    for (const v of vs) {
      try {
        new Headers().append(k, v);
      } catch {
        throw new UsageError(`config: ${at}.headers.${JSON.stringify(k).slice(1, -1)}: invalid header name or value (no spaces in names, no line breaks in values)`);
      }
    }
  }
}

/** Validate one endpoint; errors name the key (`notifications.endpoints[0].timeout`). */
export function parseEndpoint(raw: unknown, i: number): EndpointConfig {
  const at = `notifications.endpoints[${i}]`;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`config: ${at} must be a mapping`);
  const o = raw as Obj;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw new UsageError(`config: unknown key ${at}.${k}`);
  if (typeof o.name !== 'string' || !o.name) throw new UsageError(`config: ${at}.name is required`);
  if (typeof o.url !== 'string') throw new UsageError(`config: ${at}.url is required`);
  let u: URL;
  try {
    u = new URL(o.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new UsageError(`config: ${at}.url must be an http(s) URL`);
  }
  const headers: Record<string, string[]> = {};
  if (o.headers !== undefined && o.headers !== null) {
    if (typeof o.headers !== 'object' || Array.isArray(o.headers)) throw new UsageError(`config: ${at}.headers must be a mapping of header to list of values`);
    for (const [k, v] of Object.entries(o.headers as Obj)) headers[k] = typeof v === 'string' ? [v] : strList(v, `${at}.headers.${k}`);
    checkHeaders(headers, at);
  }
  const dur = (k: string, def: number): number => {
    if (o[k] === undefined) return def;
    const ms = parseDuration(o[k]);
    if (ms === undefined) throw new UsageError(`config: ${at}.${k} must be a duration like 500ms or 1s`);
    // Node timers hold 32 bits: a longer one fires after 1 ms (every POST aborted, retries in a hot loop)
    if (ms > MAX_TIMER_MS) throw new UsageError(`config: ${at}.${k} must be at most 596h`);
    return ms > 0 ? ms : def; // distribution: a zero duration means the default (1s), not "expire at once"
  };
  if (o.threshold !== undefined && (typeof o.threshold !== 'number' || !Number.isInteger(o.threshold) || o.threshold < 0)) {
    throw new UsageError(`config: ${at}.threshold must be a non-negative integer`);
  }
  if (o.disabled !== undefined && typeof o.disabled !== 'boolean') throw new UsageError(`config: ${at}.disabled must be true or false`);
  const ignore = (o.ignore ?? {}) as Obj;
  if (typeof ignore !== 'object' || Array.isArray(ignore)) throw new UsageError(`config: ${at}.ignore must be a mapping`);
  for (const k of Object.keys(ignore)) if (k !== 'mediatypes' && k !== 'actions') throw new UsageError(`config: unknown key ${at}.ignore.${k}`);
  // fetch refuses a URL with user:password (every POST would fail): send it as Basic auth, as Go's client does
  let url = o.url;
  if (u.username || u.password) {
    const auth = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) headers.Authorization = [`Basic ${auth}`];
    u.username = '';
    u.password = '';
    url = u.toString();
  }
  return {
    name: o.name,
    url,
    headers,
    timeoutMs: dur('timeout', 1000),
    threshold: (o.threshold as number | undefined) ?? 10,
    backoffMs: dur('backoff', 1000),
    disabled: (o.disabled as boolean | undefined) ?? false,
    ignoredMediaTypes: [...strList(o.ignoredmediatypes, `${at}.ignoredmediatypes`), ...strList(ignore.mediatypes, `${at}.ignore.mediatypes`)],
    ignoreActions: strList(ignore.actions, `${at}.ignore.actions`),
  };
}

/** Parse `notifications` (endpoints[] and events.includereferences, accepted and ignored). */
export function parseNotifications(raw: unknown): EndpointConfig[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError('config: notifications must be a mapping');
  const o = raw as Obj;
  for (const k of Object.keys(o)) if (k !== 'endpoints' && k !== 'events') throw new UsageError(`config: unknown key notifications.${k}`);
  if (o.endpoints === undefined || o.endpoints === null) return [];
  if (!Array.isArray(o.endpoints)) throw new UsageError('config: notifications.endpoints must be a list');
  const eps = o.endpoints.map(parseEndpoint);
  const names = new Set<string>();
  for (const e of eps) {
    if (names.has(e.name)) throw new UsageError(`config: notifications.endpoints: duplicate name "${e.name}"`);
    names.add(e.name);
  }
  return eps;
}
