import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { helperGet } from '../../src/auth/helper.js';
import { exitCodeFor, errorLine } from '../../src/cli/exit.js';
import { rejection } from '../helpers/rejection.js';
import { tempDir } from '../helpers/temp.js';

describe('docker-credential-* helpers that misbehave', () => {
  let dir: string;
  let bin: string;
  const savedPath = process.env.PATH;
  beforeEach(async () => {
    dir = tempDir('dist-auth-helper-');
    bin = join(dir, 'bin');
    await mkdir(bin);
    await mkdir(join(dir, 'docker'));
    process.env.PATH = `${bin}:${savedPath}`;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  /** A real helper script `docker-credential-<name>` whose `get` runs `body`. */
  async function helper(name: string, body: string): Promise<void> {
    const p = join(bin, `docker-credential-${name}`);
    await writeFile(p, `#!/bin/sh\nread server\n${body}\n`);
    await chmod(p, 0o755);
  }

  it('non-JSON, JSON null, an array, or non-string fields: exit 4, one line naming the helper, never its output', async () => {
    const outputs = ['hunter2-secret is the password', 'null', '[1]', '{"Username":"u","Secret":42}', '{"Username":["x"],"Secret":"hunter2-secret"}'];
    for (const [i, out] of outputs.entries()) {
      await helper(`odd${i}`, `printf '%s' '${out}'`);
      const e = await rejection(helperGet(`odd${i}`, 'r.example'));
      expect(exitCodeFor(e), out).toBe(4); // before: SyntaxError/TypeError, exit 1
      const line = errorLine(e);
      expect(line, out).toMatch(new RegExp(`docker-credential-odd${i} get (printed no JSON credentials|answered Username/Secret that are not strings) for r\\.example`));
      expect(line).not.toContain('hunter2');
    }
  });

  it('a helper that hangs (its child holding the pipes) fails within its time limit, not when the child ends', async () => {
    await helper('hang', 'sleep 30');
    const t0 = Date.now();
    const e = await rejection(helperGet('hang', 'r.example', 500));
    expect(Date.now() - t0).toBeLessThan(5_000); // before: ~30 s (close waited for sleep)
    expect(exitCodeFor(e)).toBe(4);
    expect(errorLine(e)).toMatch(/docker-credential-hang get did not finish within 1 s/);
  }, 10_000);

  it('a helper that prints endlessly is stopped after 1 MiB with a clear error (memory stays bounded)', async () => {
    await helper('flood', 'yes AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    const e = await rejection(helperGet('flood', 'r.example', 8_000));
    expect(exitCodeFor(e)).toBe(4);
    expect(errorLine(e)).toMatch(/docker-credential-flood get printed more than 1 MiB/); // before: grew until the 15 s kill
  }, 15_000);

  it('a helper that exits non-zero: exit 4, its first line, not a multi-line dump', async () => {
    await helper('broken', 'echo "keychain locked" >&2\necho "second line" >&2\nexit 3');
    const e = await rejection(helperGet('broken', 'r.example'));
    expect(exitCodeFor(e)).toBe(4);
    expect(errorLine(e)).toMatch(/docker-credential-broken get failed \(exit 3\): keychain locked$/);
  });
});
