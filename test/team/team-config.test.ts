import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyTeamFlags, parseTeamConfig } from '../../src/server/team-config.js';
import { tempDir } from '../helpers/temp.js';

describe('team config', () => {
  const dir = tempDir();
  const file = join(dir, 'f');
  writeFileSync(file, 'x');

  it('parses the sections with distribution defaults', () => {
    const c = parseTeamConfig({
      auth: { htpasswd: { realm: 'r', path: file } },
      http: { debug: { addr: '127.0.0.1:5001' } },
      storage: { gc: { enabled: true, interval: '10m' } },
      notifications: { endpoints: [{ name: 'a', url: 'http://x', timeout: '2s', threshold: 3, backoff: '5s' }] },
    });
    expect(c.auth).toEqual({ kind: 'htpasswd', realm: 'r', path: file, anonymousPull: false });
    expect(c.debug).toEqual({ addr: '127.0.0.1:5001', prometheus: true, metricsPath: '/metrics' });
    expect(c.gc).toEqual({ intervalMs: 600_000, graceMs: 3_600_000, deleteUntagged: false, dryRun: false });
    expect(c.uploadPurging).toEqual({ ageMs: 168 * 3_600_000, intervalMs: 24 * 3_600_000, dryRun: false });
    expect(c.notifications[0]).toMatchObject({ name: 'a', timeoutMs: 2000, threshold: 3, backoffMs: 5000, disabled: false });
    expect(parseTeamConfig({ storage: { maintenance: { uploadpurging: { enabled: false } } } }).uploadPurging).toBeUndefined();
  });

  it('refuses two access controllers, unsupported ones and letsencrypt, naming the key', () => {
    expect(() => parseTeamConfig({ auth: { htpasswd: { realm: 'r', path: file }, token: { realm: 'x' } } })).toThrow(/configure one access controller, not htpasswd and token/);
    expect(() => parseTeamConfig({ auth: { silly: { realm: 'r' } } })).toThrow(/auth\.silly: access controller not supported/);
    expect(() => parseTeamConfig({ http: { tls: { certificate: file, key: file, letsencrypt: {} } } })).toThrow(/http\.tls\.letsencrypt is not supported/);
    expect(() => parseTeamConfig({ auth: { tokenissuer: { policy: '/missing.yaml' } } })).toThrow(/auth\.tokenissuer\.policy: file \/missing\.yaml does not exist/);
  });

  it('flags override the config and check their combinations', () => {
    const base = parseTeamConfig({ auth: { htpasswd: { realm: 'r', path: file } } });
    expect(applyTeamFlags(base, { tokenIssuer: file }).auth).toMatchObject({ kind: 'issuer', policy: file, service: 'dist-registry' });
    expect(applyTeamFlags(undefined, { htpasswd: file, anonymousPull: true }).auth).toEqual({ kind: 'htpasswd', realm: 'dist', path: file, anonymousPull: true });
    expect(applyTeamFlags(undefined, { debugAddr: '127.0.0.1:0' }).debug).toEqual({ addr: '127.0.0.1:0', prometheus: true, metricsPath: '/metrics' });
    expect(() => applyTeamFlags(undefined, { htpasswd: file, tokenIssuer: file })).toThrow(/cannot be combined/);
    expect(() => applyTeamFlags(undefined, { anonymousPull: true })).toThrow(/needs an access controller/);
    expect(() => applyTeamFlags(undefined, { tlsCert: file })).toThrow(/--tls-cert and --tls-key go together/);
    expect(() => applyTeamFlags(undefined, { htpasswd: '/missing' })).toThrow(/--htpasswd: file \/missing does not exist/);
  });
});
