import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGuardedRegistry, type GuardedRegistry } from '../helpers/token-gate.js';
import { tempDir } from '../helpers/temp.js';
import { buildOnce, PKG } from './helpers.js';

/** `dist ARGS` on a pseudo-terminal (util-linux `script`), typing `input`; the terminal's transcript and the status. */
function onTerminal(args: string[], input: string, env: NodeJS.ProcessEnv, allAtOnce = false): Promise<{ code: number | null; screen: string }> {
  const cmd = [process.execPath, join(PKG, 'bin/dist.js'), ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((res, rej) => {
    const p = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    p.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    p.stderr.on('data', (d: Buffer) => (screen += d.toString()));
    p.on('error', rej);
    // a prompt that never comes must not leave `script` and dist behind (SIGHUP ends dist with the pty)
    const guard = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', () => clearTimeout(guard));
    // without the cursor moves readline draws with
    p.on('close', (code) => res({ code, screen: screen.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '') }));
    // type one line at a time, each once its prompt is up
    const lines = input.split('\n');
    const typeNext = (): void => {
      if (!lines.length) return void p.stdin.end();
      p.stdin.write(`${lines.shift()}\n`);
    };
    let typed = 0;
    p.stdout.on('data', () => {
      // pasted: everything at the first prompt
      if (allAtOnce) {
        if (lines.length && /Username: /.test(screen)) {
          p.stdin.write(input);
          lines.length = 0;
        }
        return;
      }
      const prompts = (screen.match(/Username: |Password: /g) ?? []).length;
      while (typed < prompts) {
        typed++;
        typeNext();
      }
    });
  });
}

describe('dist login on a terminal', () => {
  let g: GuardedRegistry;
  beforeAll(async () => {
    buildOnce();
    g = await startGuardedRegistry({ ci: 'pw-123' });
  });
  afterAll(() => g.close());

  it('asks for the user name (echoed) and the password (not echoed) as docker login does', async () => {
    const docker = tempDir('dist-login-tty-');
    const r = await onTerminal(['login', g.gate.host], 'ci\npw-123\n', { DOCKER_CONFIG: docker, DIST_STATE_DIR: join(docker, 'state') });
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toMatch(/Username: ci\r*\n/);
    expect(r.screen).toMatch(/Password: \r*\n/);
    expect(r.screen).not.toContain('pw-123');
    expect(r.screen).toContain('Login succeeded');
    const cfg = JSON.parse(await readFile(join(docker, 'config.json'), 'utf8'));
    expect(Buffer.from(cfg.auths[g.gate.host].auth, 'base64').toString()).toBe('ci:pw-123');
  });

  it('a name and password pasted together at the first prompt: the password is not echoed and not asked again', async () => {
    const docker = tempDir('dist-login-tty-');
    const r = await onTerminal(['login', g.gate.host], 'ci\npw-123\n', { DOCKER_CONFIG: docker, DIST_STATE_DIR: join(docker, 'state') }, true);
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).not.toContain('pw-123');
    expect(r.screen).toContain('Login succeeded');
  });
});
