import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, dist, type RunResult } from '../cli/helpers.js';
import { tempDir } from '../helpers/temp.js';

// `dist serve` start-up with bad settings: exit 2, ONE line naming the setting and what to do, never a listener
const oneLine = (r: RunResult): string => {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/listening on|\n\s+at /);
  return lines[0]!;
};

// a server that starts anyway (the bug) is killed after 10 s instead of outliving the test
const serve = (args: string[]): Promise<RunResult> => dist(['serve', ...args], { wrapper: ['timeout', '-s', 'KILL', '10'] });

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

describe('dist serve start-up errors (robustness)', () => {
  let busy: Server;
  let busyPort = 0;
  let dir = '';
  beforeAll(async () => {
    buildOnce();
    dir = tempDir();
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k1.pem', '-out', 'c1.pem', '-subj', '/CN=127.0.0.1', '-days', '1'], dir);
    openssl(['genrsa', '-out', 'k2.pem', '2048'], dir);
    writeFileSync(join(dir, 'notpem'), 'this is not a certificate\n');
    for (const f of ['k1.pem', 'k2.pem', 'notpem']) chmodSync(join(dir, f), 0o600);
    busy = createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
    busyPort = (busy.address() as { port: number }).port;
  }, 240_000);
  afterAll(() => new Promise<void>((res) => busy.close(() => res())));

  it('a data directory that is a file: exit 2, the file untouched', async () => {
    const file = join(dir, 'data-file');
    writeFileSync(file, 'precious');
    const r = await serve([file, '--addr', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toBe(`dist: data directory ${file} is not a directory: pass a directory (storage.filesystem.rootdirectory)`);
    expect(readFileSync(file, 'utf8')).toBe('precious');
  }, 30_000);

  it('the same from a config file rootdirectory', async () => {
    const file = join(dir, 'data-file2');
    writeFileSync(file, 'x');
    const cfg = join(dir, 'c.yml');
    writeFileSync(cfg, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${file}\nhttp:\n  addr: 127.0.0.1:0\n`);
    const r = await serve(['--config', cfg]);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/is not a directory/);
  }, 30_000);

  it('an address already in use: exit 2, one line with what to do', async () => {
    const r = await serve([tempDir(), '--addr', `127.0.0.1:${busyPort}`]);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toBe(`dist: cannot listen on 127.0.0.1:${busyPort}: address already in use: stop what listens there, or pick another address (port 0 picks a free one)`);
    // the debug listener's address is the one named when it is the busy one
    const d = await serve([tempDir(), '--addr', '127.0.0.1:0', '--debug-addr', `127.0.0.1:${busyPort}`]);
    expect(d.code).toBe(2);
    expect(oneLine(d)).toMatch(new RegExp(`^dist: cannot listen on 127\\.0\\.0\\.1:${busyPort}: address already in use`));
  }, 30_000);

  it('TLS files that are not PEM: exit 2, one line naming both files', async () => {
    const r = await serve([tempDir(), '--addr', '127.0.0.1:0', '--tls-cert', join(dir, 'notpem'), '--tls-key', join(dir, 'notpem')]);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toBe(`dist: http.tls: cannot use certificate ${join(dir, 'notpem')} with key ${join(dir, 'notpem')} (no start line): both must be PEM files and the key must be the certificate's`);
  }, 30_000);

  it("a key that is not the certificate's: exit 2, one line", async () => {
    const r = await serve([tempDir(), '--addr', '127.0.0.1:0', '--tls-cert', join(dir, 'c1.pem'), '--tls-key', join(dir, 'k2.pem')]);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/^dist: http\.tls: cannot use certificate .*c1\.pem with key .*k2\.pem \(key values mismatch\)/);
  }, 30_000);

  it('a client CA file that is not PEM: exit 2, one line (was: started, then refused every client certificate)', async () => {
    const r = await serve([tempDir(), '--addr', '127.0.0.1:0', '--tls-cert', join(dir, 'c1.pem'), '--tls-key', join(dir, 'k1.pem'), '--tls-client-ca', join(dir, 'notpem')]);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toBe(`dist: http.tls.clientcas[0]: ${join(dir, 'notpem')} is not a PEM CA certificate (no start line)`);
  }, 30_000);

  it.each([
    ['storage:\n  gc:\n    enabled: true\n    interval: 0s\n', 'storage.gc.interval must be more than 0 (e.g. 1h)'],
    ['storage:\n  gc:\n    enabled: true\n    interval: 720h\n', 'storage.gc.interval must be at most 596h'],
    ['storage:\n  maintenance:\n    uploadpurging:\n      enabled: true\n      interval: 9000h\n', 'storage.maintenance.uploadpurging.interval must be at most 596h'],
  ])('a maintenance period that would spin (%#): exit 2, one line', async (yaml, msg) => {
    const cfg = join(tempDir(), 'c.yml');
    writeFileSync(cfg, `version: 0.1\nhttp:\n  addr: 127.0.0.1:0\n${yaml}`);
    const r = await serve([tempDir(), '--config', cfg]);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toBe(`dist: config: ${msg}`);
  }, 30_000);
  it('an htpasswd file whose every entry is unusable (MD5, SHA-1): exit 2, one line naming the lines (was: served, nobody could log in)', async () => {
    const file = join(dir, 'htpasswd-md5');
    writeFileSync(file, '# made with htpasswd -m\nalice:$apr1$3B6xv0Gq$Gfq5ls3qVZ6I7p2MBD8aI.\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n');
    const r = await serve([join(dir, 'data-htpasswd'), '--addr', '127.0.0.1:0', '--htpasswd', file]);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toBe(`dist: config: auth.htpasswd.path: ${file}: no usable entry (line 2, 3 not user:bcrypt-hash); create entries with \`htpasswd -B\``);
  }, 30_000);
});
