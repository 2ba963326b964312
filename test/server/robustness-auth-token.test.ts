import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors/errors.js';
import { memoryLogger } from '../../src/server/observe/log.js';
import { setupIssuer } from '../../src/server/token/setup.js';
import { closeAfterEach } from '../helpers/closers.js';
import { startHttpServer } from '../helpers/http-server.js';
import { tempDir } from '../helpers/temp.js';

const closers = closeAfterEach();

function issuer(policy: string) {
  const path = join(tempDir('dist-auth-token-'), 'policy.yaml');
  writeFileSync(path, policy);
  const log = memoryLogger();
  return { log, make: () => setupIssuer({ policyPath: path, issuer: 'iss', service: 'svc', ttlMs: 120_000, log }) };
}

describe('the built-in token issuer with odd input', () => {
  it('a policy password with an impossible bcrypt cost ($2y$99$) stops the start naming the user, instead of a 500 on each login', () => {
    const tail = hashSync('x', 4).slice(7);
    for (const cost of ['99', '03']) {
      const { make } = issuer(`users:\n  carol: { password: "$2y$${cost}$${tail}" }\n`);
      let err: unknown;
      try {
        make();
      } catch (e) {
        err = e;
      }
      expect(err, cost).toBeInstanceOf(UsageError); // before: started, then every carol login got 500 UNKNOWN
      expect((err as Error).message).toMatch(/users\.carol\.password: expected a bcrypt hash/);
    }
  });

  it('a POST whose client goes away mid-form is a client error, not a server error in the log', async () => {
    const { log, make } = issuer(`users: {}\nanonymous: ["repository:public/*:pull"]\n`);
    const srv = await startHttpServer(make().handler);
    closers.push(srv.close);
    const url = new URL(srv.url);
    await new Promise<void>((resolve) => {
      const sock = connect(Number(url.port), '127.0.0.1', () => {
        sock.write('POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=pass');
        setTimeout(() => sock.destroy(), 100);
      });
      sock.on('close', () => resolve());
      sock.on('error', () => undefined);
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([]); // before: "token: unexpected error" (aborted), answered 500
    // the issuer still answers afterwards
    const r = await fetch(`${srv.url}/token?service=svc&scope=repository:public/a:pull`);
    expect(r.status).toBe(200);
  });
});
