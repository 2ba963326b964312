import { existsSync } from 'node:fs';
import { UsageError } from '../errors/errors.js';
import { parseNotifications, type EndpointConfig } from './notify/endpoint.js';
import { parseDuration } from './notify/duration.js';
import type { TlsConfig } from './tls.js';

/** The "team" sections of the configuration: auth, TLS, debug server, notifications, GC, upload purging. */
export type AuthConfig =
  | { kind: 'htpasswd'; realm: string; path: string; anonymousPull: boolean }
  | { kind: 'token'; realm: string; service: string; issuers: string[]; rootcertbundle?: string; jwks?: string; anonymousPull: boolean }
  | { kind: 'issuer'; policy: string; key?: string; certificate?: string; issuer: string; service: string; realm?: string; ttlMs: number; anonymousPull: boolean };

export interface TeamConfig {
  auth?: AuthConfig;
  tls?: TlsConfig;
  debug?: { addr: string; metricsPath: string; prometheus: boolean };
  notifications: EndpointConfig[];
  gc?: { intervalMs: number; graceMs: number; deleteUntagged: boolean; dryRun: boolean };
  uploadPurging?: { ageMs: number; intervalMs: number; dryRun: boolean };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const bool = (v: unknown, def: boolean): boolean => (v === undefined || v === null ? def : v === true || v === 'true');
const dur = (v: unknown, def: number): number => (v === undefined || v === null ? def : parseDuration(v) ?? def);
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A timer period: 0 ran cycles back to back, over 2^31 ms Node fires it every 1 ms (both a hot loop). */
function period(v: unknown, def: number, key: string): number {
  const ms = dur(v, def);
  if (ms <= 0) throw new UsageError(`config: ${key} must be more than 0 (e.g. 1h)`);
  if (ms > MAX_TIMER_MS) throw new UsageError(`config: ${key} must be at most 596h`);
  return ms;
}

function need(o: Obj, key: string, at: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new UsageError(`config: ${at}.${key} is required`);
  return v;
}

function file(o: Obj, key: string, at: string, required = true): string | undefined {
  const v = required ? need(o, key, at) : (o[key] as string | undefined);
  if (v !== undefined && !existsSync(v)) throw new UsageError(`config: ${at}.${key}: file ${v} does not exist`);
  return v;
}

function parseAuth(a: Obj): AuthConfig | undefined {
  const kinds = Object.keys(a).filter((k) => a[k] !== null && a[k] !== undefined);
  if (kinds.length === 0) return undefined;
  if (kinds.length > 1) throw new UsageError(`config: auth: configure one access controller, not ${kinds.join(' and ')}`);
  const kind = kinds[0]!;
  const c = obj(a[kind]);
  const at = `auth.${kind}`;
  if (kind === 'htpasswd') return { kind, realm: need(c, 'realm', at), path: file(c, 'path', at)!, anonymousPull: bool(c.anonymouspull, false) };
  if (kind === 'token') {
    if (c.rootcertbundle === undefined && c.jwks === undefined) throw new UsageError(`config: ${at}: set rootcertbundle or jwks (the keys tokens are signed with)`);
    return {
      kind, realm: need(c, 'realm', at), service: need(c, 'service', at), issuers: [need(c, 'issuer', at)],
      rootcertbundle: file(c, 'rootcertbundle', at, false), jwks: file(c, 'jwks', at, false), anonymousPull: bool(c.anonymouspull, false),
    };
  }
  if (kind === 'tokenissuer') {
    return {
      kind: 'issuer', policy: file(c, 'policy', at)!, key: file(c, 'key', at, false), certificate: file(c, 'certificate', at, false),
      issuer: (c.issuer as string | undefined) ?? 'dist-token-issuer', service: (c.service as string | undefined) ?? 'dist-registry',
      realm: c.realm as string | undefined, ttlMs: dur(c.expiration, 300_000), anonymousPull: bool(c.anonymouspull, false),
    };
  }
  throw new UsageError(`config: ${at}: access controller not supported by dist serve (use htpasswd, token or tokenissuer)`);
}

/** Parse the team sections of a validated document (see config-schema.ts). */
export function parseTeamConfig(root: Obj): TeamConfig {
  const http = obj(root.http);
  const storage = obj(root.storage);
  const out: TeamConfig = { notifications: parseNotifications(root.notifications) };
  out.auth = parseAuth(obj(root.auth));
  if (http.tls !== undefined && http.tls !== null) {
    const t = obj(http.tls);
    if (t.letsencrypt !== undefined) throw new UsageError('config: http.tls.letsencrypt is not supported by dist serve');
    out.tls = { certificate: file(t, 'certificate', 'http.tls')!, key: need(t, 'key', 'http.tls'), clientcas: t.clientcas as string[] | undefined, minimumtls: t.minimumtls as string | undefined };
    (out.tls.clientcas ?? []).forEach((p, i) => { if (!existsSync(p)) throw new UsageError(`config: http.tls.clientcas[${i}]: file ${p} does not exist`); });
  }
  const debug = obj(http.debug);
  if (typeof debug.addr === 'string' && debug.addr) {
    const prom = obj(debug.prometheus);
    out.debug = { addr: debug.addr, prometheus: bool(prom.enabled, true), metricsPath: (prom.path as string | undefined) ?? '/metrics' };
  }
  const gc = obj(storage.gc);
  if (bool(gc.enabled, false)) {
    out.gc = { intervalMs: period(gc.interval, 3_600_000, 'storage.gc.interval'), graceMs: dur(gc.graceperiod, 3_600_000), deleteUntagged: bool(gc.deleteuntagged, false), dryRun: bool(gc.dryrun, false) };
  }
  const up = obj(obj(storage.maintenance).uploadpurging);
  if (bool(up.enabled, true)) out.uploadPurging = { ageMs: dur(up.age, 168 * 3_600_000), intervalMs: period(up.interval, 24 * 3_600_000, 'storage.maintenance.uploadpurging.interval'), dryRun: bool(up.dryrun, false) };
  return out;
}

/** `dist serve` flags that stand in for team config keys (each overrides the config file). */
export interface TeamFlags {
  /** `--htpasswd FILE`: auth.htpasswd with realm "dist". */
  htpasswd?: string;
  /** `--token-issuer POLICY`: the built-in token issuer (auth.tokenissuer.policy). */
  tokenIssuer?: string;
  /** `--anonymous-pull`: pulls without credentials. */
  anonymousPull?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string[];
  /** `--debug-addr HOST:PORT`: http.debug.addr. */
  debugAddr?: string;
}

export function applyTeamFlags(cfg: TeamConfig | undefined, f: TeamFlags = {}): TeamConfig {
  const out: TeamConfig = { ...(cfg ?? { notifications: [] }) };
  if (f.htpasswd && f.tokenIssuer) throw new UsageError('--htpasswd and --token-issuer cannot be combined');
  if (f.htpasswd) {
    if (!existsSync(f.htpasswd)) throw new UsageError(`--htpasswd: file ${f.htpasswd} does not exist`);
    out.auth = { kind: 'htpasswd', realm: 'dist', path: f.htpasswd, anonymousPull: false };
  }
  if (f.tokenIssuer) {
    if (!existsSync(f.tokenIssuer)) throw new UsageError(`--token-issuer: policy file ${f.tokenIssuer} does not exist`);
    const prev = out.auth?.kind === 'issuer' ? out.auth : undefined;
    out.auth = { kind: 'issuer', policy: f.tokenIssuer, key: prev?.key, certificate: prev?.certificate, issuer: prev?.issuer ?? 'dist-token-issuer', service: prev?.service ?? 'dist-registry', realm: prev?.realm, ttlMs: prev?.ttlMs ?? 300_000, anonymousPull: false };
  }
  if (f.anonymousPull) {
    if (!out.auth) throw new UsageError('--anonymous-pull needs an access controller (--htpasswd, --token-issuer or auth in the config)');
    out.auth = { ...out.auth, anonymousPull: true };
  }
  if (f.tlsCert || f.tlsKey) {
    if (!f.tlsCert || !f.tlsKey) throw new UsageError('--tls-cert and --tls-key go together');
    if (!existsSync(f.tlsCert)) throw new UsageError(`--tls-cert: file ${f.tlsCert} does not exist`);
    out.tls = { certificate: f.tlsCert, key: f.tlsKey, clientcas: f.tlsClientCa ?? out.tls?.clientcas, minimumtls: out.tls?.minimumtls };
  }
  if (f.debugAddr) out.debug = { addr: f.debugAddr, prometheus: true, metricsPath: out.debug?.metricsPath ?? '/metrics' };
  return out;
}
