import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client/http.js';
import { exitCodeFor, errorLine } from '../../src/cli/exit.js';
import { memoryLogger } from '../../src/server/observe/log.js';
import { setupIssuer } from '../../src/server/token/setup.js';
import { startHttpServer } from '../helpers/http-server.js';
import { rejection } from '../helpers/rejection.js';
import { tempDir } from '../helpers/temp.js';

describe('a token server that refuses stored credentials (dist\'s own issuer, real HTTP)', () => {
  let realm: string;
  let close: () => Promise<void>;
  const client = new RegistryClient({ retry: { maxAttempts: 1 } });
  beforeAll(async () => {
    const path = join(tempDir('dist-auth-refuse-'), 'policy.yaml');
    writeFileSync(path, `users:\n  alice: { password: "${hashSync('alicepw', 4)}", access: ["repository:**:*"] }\n`);
    const s = setupIssuer({ policyPath: path, issuer: 'iss', service: 'svc', ttlMs: 120_000, log: memoryLogger() });
    const srv = await startHttpServer(s.handler);
    realm = `${srv.url}/token`;
    close = srv.close;
  });
  afterAll(async () => {
    await client.close();
    await close();
  });

  it('an identity token it does not know (400 invalid_grant): exit 4, names where it came from and says to log in again, never the token', async () => {
    const cred = { kind: 'identity' as const, identityToken: 'stale-refresh-secret', source: '/home/u/.docker/config.json' };
    const e = await rejection(client.tokens.get({ realm, service: 'svc' }, ['repository:a:pull'], cred, { registry: 'reg.example' }));
    expect(exitCodeFor(e)).toBe(4);
    const line = errorLine(e); // before: "reg.example: token server answered HTTP 400" (nothing to act on)
    expect(line).toBe('reg.example: the token server refused the identity token from /home/u/.docker/config.json (HTTP 400 invalid_grant): it may have expired or been revoked; run "dist login reg.example" again');
    expect(line).not.toContain('stale-refresh-secret');
  });

  it('a wrong password (401): names the user and the source, never the password', async () => {
    const cred = { kind: 'basic' as const, username: 'alice', password: 'wrong-secret-pw', source: 'docker-credential-pass' };
    const e = await rejection(client.tokens.get({ realm, service: 'svc' }, ['repository:a:pull'], cred, { registry: 'reg.example' }));
    expect(exitCodeFor(e)).toBe(4);
    const line = errorLine(e);
    expect(line).toBe('reg.example: the token server refused the credentials of "alice" from docker-credential-pass (HTTP 401): check them, or run "dist login reg.example" again');
    expect(line).not.toContain('wrong-secret-pw');
  });
});
