import { describe, expect, it } from 'vitest';
import { staticCredentials } from '../../src/auth/credentials.js';
import { RemoteRepository } from '../../src/client/repository.js';
import { redactHeader, redactUrl } from '../../src/transport/logging.js';
import { sharedGuardedRegistry } from '../helpers/token-gate.js';

describe('debug log redaction', () => {
  it('redacts authorization headers and secret URL parts', () => {
    expect(redactHeader('Authorization', 'Bearer eyJabc.def.ghi')).toBe('Bearer <redacted>');
    expect(redactHeader('authorization', 'Basic YWxpY2U6czNjcmV0')).toBe('Basic <redacted>');
    expect(redactHeader('content-type', 'application/json')).toBe('application/json');
    const u = redactUrl(new URL('https://bob:pw@r.example/token?service=x&password=hunter2&_state=abcdefghijklmnopqrstuvwxyz'));
    expect(u).not.toContain('hunter2');
    expect(u).not.toContain('pw@');
    expect(u).not.toContain('opqrstuvwxyz');
  });

  describe('end to end with -v style logging', () => {
    const { gate } = sharedGuardedRegistry({ alice: 'TopSecretPassw0rd' });

    it('never logs the password or the token, even on failure', async () => {
      const lines: string[] = [];
      const repo = new RemoteRepository(gate.host, 'a/b', {
        credentials: staticCredentials({ kind: 'basic', username: 'alice', password: 'TopSecretPassw0rd' }),
        log: (l) => lines.push(l), logHeaders: true, journal: false,
      });
      const err = await repo.resolve('missing').catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'MANIFEST_UNKNOWN' });
      const all = lines.join('\n');
      expect(all).toContain('authorization: Bearer <redacted>');
      expect(all).not.toContain('TopSecretPassw0rd');
      expect(all).not.toContain(Buffer.from('alice:TopSecretPassw0rd').toString('base64'));
      expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no JWT
      expect(String((err as Error).message)).not.toContain('TopSecretPassw0rd');
    });
  });
});
