import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { HtpasswdAccessController } from '../../src/server/auth/htpasswd.js';
import { memoryLogger } from '../../src/server/observe/log.js';
import { startRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';

const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const bcrypt = (pass: string): string => hashSync(pass, 4).replace('$2b$', '$2y$');

/** A real registry on 127.0.0.1:0 behind an htpasswd file with `content`. */
async function registry(content: string) {
  const path = join(tempDir('dist-auth-htpasswd-'), 'htpasswd');
  writeFileSync(path, content);
  const log = memoryLogger();
  const ac = await HtpasswdAccessController.create({ realm: 'r', path, log });
  const reg = await startRegistry({ auth: async (req, access) => ({ name: (await ac.authorize(req, access)).user }) });
  const get = (p: string, auth?: string): Promise<Response> => fetch(reg.url + p, { headers: auth === undefined ? {} : { authorization: auth } });
  return { reg, log, get };
}

describe('htpasswd files with odd lines', () => {
  it('a bcrypt-looking hash with an impossible cost ($2y$03$, $2y$99$): the line is skipped with a log line, logins are 401 not 500', async () => {
    const tail = bcrypt('x').slice(7); // 53 valid characters
    const { reg, log, get } = await registry(`low:$2y$03$${tail}\nhigh:$2y$99$${tail}\nalice:${bcrypt('wonderland')}\n`);
    try {
      for (const user of ['low', 'high']) {
        const r = await get('/v2/', basic(user, 'x'));
        expect(r.status, user).toBe(401); // before: 500 UNKNOWN ("Illegal number of rounds")
        expect(r.headers.get('www-authenticate')).toBe('Basic realm="r"');
      }
      expect((await get('/v2/', basic('alice', 'wonderland'))).status).toBe(200);
      const skipped = log.lines.filter((l) => l.msg === 'htpasswd: skipping corrupt line (need user:bcrypt-hash)').map((l) => l.line);
      expect(skipped).toEqual([1, 2]);
    } finally {
      await reg.close();
    }
  });

});
