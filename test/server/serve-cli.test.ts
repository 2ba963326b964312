import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/server/config.js';
import { resolveServe } from '../../src/server/serve.js';
import { type Served, spawnServe, stopServe } from './spawn.js';
import { errorCode, pushBlob, raw, sha } from './util.js';
import { tempDir } from '../helpers/temp.js';

let dir: string;
let served: Served | undefined;
beforeEach(() => {
  dir = tempDir('dist-serve-cli-');
});
afterEach(async () => {
  await stopServe(served);
  served = undefined;
});

describe('config', () => {
  it('reads the distribution keys that apply', () => {
    const cfg = parseConfig(`version: 0.1
log: { level: warn, fields: { service: registry } }
storage:
  filesystem: { rootdirectory: /srv/reg }
  delete: { enabled: false }
  maintenance: { readonly: { enabled: true } }
  cache: { blobdescriptor: inmemory }
http: { addr: ":5001", secret: s3cret, headers: { X-Content-Type-Options: [nosniff] } }
`);
    expect(cfg).toMatchObject({ rootDirectory: '/srv/reg', deleteEnabled: false, addr: ':5001', secret: 's3cret', logLevel: 'warn', readOnly: true });
  });

  it('REGISTRY_* environment variables override the file', () => {
    const cfg = parseConfig('http: { addr: "127.0.0.1:1" }', { REGISTRY_HTTP_ADDR: '127.0.0.1:2', REGISTRY_STORAGE_DELETE_ENABLED: 'true' });
    expect(cfg.addr).toBe('127.0.0.1:2');
    expect(cfg.deleteEnabled).toBe(true);
  });

  it('bad values are usage errors', () => {
    expect(() => parseConfig('log: { level: loud }')).toThrow(/log.level/);
    expect(() => parseConfig('storage: { delete: { enabled: maybe } }')).toThrow(/storage.delete.enabled/);
    expect(() => parseConfig('a: [')).toThrow(/invalid YAML/);
  });

  it('flags override config, config overrides defaults; deletion on by default', () => {
    expect(resolveServe({}, {})).toMatchObject({ dir: './data', addr: '127.0.0.1:5000', deleteEnabled: true, readOnly: false, logLevel: 'info' });
    expect(resolveServe({}, { rootDirectory: '/c', addr: ':1', deleteEnabled: false })).toMatchObject({ dir: '/c', addr: ':1', deleteEnabled: false });
    expect(resolveServe({ dir: '/f', addr: '127.0.0.1:2', deleteEnabled: true }, { rootDirectory: '/c', addr: ':1', deleteEnabled: false })).toMatchObject({ dir: '/f', addr: '127.0.0.1:2', deleteEnabled: true });
  });
});

describe('dist serve (spawned)', () => {
  it('prints the real port for --addr :0, serves DIR in the distribution layout, logs JSON access lines', async () => {
    served = await spawnServe([dir, '--addr', '127.0.0.1:0']);
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(served.url).not.toMatch(/:0$/);
    const d = await pushBlob(served.url, 'cli/repo', Buffer.from('hello'));
    expect(await readdir(join(dir, 'docker/registry/v2/blobs/sha256', d.slice(7, 9)))).toEqual([d.slice(7)]);
    await new Promise((r) => setTimeout(r, 100));
    const access = served.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { method: string; status: number });
    expect(access.map((a) => `${a.method} ${a.status}`)).toEqual(['POST 202', 'PUT 201']);
  });

  it('--config supplies rootdirectory/addr/delete; --read-only refuses writes', async () => {
    const cfg = join(dir, 'config.yml');
    await writeFile(cfg, `version: 0.1\nlog: { level: error }\nstorage:\n  filesystem: { rootdirectory: ${join(dir, 'root')} }\n  delete: { enabled: false }\nhttp: { addr: "127.0.0.1:0" }\n`);
    served = await spawnServe(['--config', cfg]);
    const d = await pushBlob(served.url, 'cfg/repo', Buffer.from('x'));
    expect(await readdir(join(dir, 'root/docker/registry/v2/repositories/cfg/repo/_layers/sha256'))).toEqual([d.slice(7)]);
    const del = await raw(served.url, 'DELETE', `/v2/cfg/repo/blobs/${d}`);
    expect(del.status).toBe(405);
    expect(served.stderr()).not.toMatch(/"msg":"request"/);
    served.proc.kill('SIGTERM');
    await served.exited;
    served = await spawnServe(['--config', cfg, '--read-only', '--delete']);
    const w = await raw(served.url, 'POST', '/v2/cfg/repo/blobs/uploads/');
    expect(w.status).toBe(405);
    expect(errorCode(w)).toBe('UNSUPPORTED');
    expect((await raw(served.url, 'GET', `/v2/cfg/repo/blobs/${d}`)).status).toBe(200);
  });

  it('survives a TLS ClientHello on the plain-HTTP port', async () => {
    served = await spawnServe([dir, '--addr', '127.0.0.1:0', '--log-level', 'error']);
    const port = Number(new URL(served.url).port);
    const hello = Buffer.from('160301010001000100fc0303' + '00'.repeat(300), 'hex');
    const answer = await new Promise<string>((res) => {
      const s = connect(port, '127.0.0.1', () => s.write(hello));
      let got = '';
      s.on('data', (c) => (got += c.toString('latin1')));
      s.on('close', () => res(got));
      s.on('error', () => res(got));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect((await raw(served.url, 'GET', '/v2/')).status).toBe(200);
  });

  it('SIGTERM lets an in-flight upload finish, then exits 0', async () => {
    served = await spawnServe([dir, '--addr', '127.0.0.1:0', '--log-level', 'error']);
    const start = await raw(served.url, 'POST', '/v2/graceful/repo/blobs/uploads/');
    const loc = start.header('location')!;
    const data = randomBytes(64 * 1024);
    const u = new URL(served.url);
    const { request } = await import('node:http');
    const pending = new Promise<number>((res, rej) => {
      const req = request({ host: u.hostname, port: u.port, method: 'PATCH', path: loc, headers: { 'Content-Length': String(data.length) } }, (r) => {
        r.resume();
        r.on('end', () => res(r.statusCode ?? 0));
      });
      req.on('error', rej);
      req.write(data.subarray(0, 1000));
      setTimeout(() => {
        served!.proc.kill('SIGTERM');
        setTimeout(() => req.end(data.subarray(1000)), 300);
      }, 200);
    });
    expect(await pending).toBe(202);
    expect(await served.exited).toBe(0);
    expect(served.stderr()).toMatch(/SIGTERM, shutting down/);
    served = await spawnServe([dir, '--addr', '127.0.0.1:0', '--log-level', 'error']);
    const put = await raw(served.url, 'PUT', `${loc}?digest=${sha(data)}`);
    expect(put.status).toBe(201);
  });
});
