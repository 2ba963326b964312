import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Totals } from '../../src/cli/progress.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';
import { buildOnce, dist } from './helpers.js';

describe('messages a user reads when something is off', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    buildOnce();
    reg = await startRegistry();
  });
  afterAll(() => reg.close());

  it('a bad option value names the option (exit 2)', async () => {
    for (const [args, msg] of [
      [['--jobs', '0', 'tags', `${reg.host}/a/b`], /^dist: --jobs: expected a positive integer, got "0"$/],
      [['--timeout', 'soon', 'tags', `${reg.host}/a/b`], /^dist: --timeout: invalid duration "soon"/],
      [['tags', `${reg.host}/a/b`, '--page-size', '-1'], /^dist: --page-size: expected a positive integer/],
    ] as const) {
      const r = await dist([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim(), args.join(' ')).toMatch(msg);
    }
  });

  it('token-server refuses an unknown --log-level like serve does', async () => {
    const r = await dist(['token-server', join(tempDir('dist-msg-'), 'policy.yaml'), '--log-level', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--log-level.*Allowed choices are error, warn, info, debug/);
  });

  it('key generate onto an existing file says it never overwrites a key', async () => {
    const out = join(tempDir('dist-msg-'), 'k.json');
    expect((await dist(['key', 'generate', '-o', out])).code).toBe(0);
    const again = await dist(['key', 'generate', '-o', out]);
    expect(again.code).not.toBe(0);
    expect(again.stderr.trim()).toBe(`dist: ${out} already exists: a key is never overwritten; remove it or choose another -o`);
  });

  it('a manifest asked for by digest is named repo@digest, not repo:digest', async () => {
    const d = `sha256:${'a'.repeat(64)}`;
    const r = await dist(['inspect', `${reg.host}/a/b@${d}`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`a/b@${d}`);
    expect(r.stderr).not.toContain(`a/b:${d}`);
  });

  it('attach --help marks --artifact-type as required', async () => {
    expect((await dist(['attach', '--help'])).stdout).toMatch(/--artifact-type <type> +\(required\)/);
  });

  it('the progress summary gives no total when the sizes are unknown (schema 1 layers)', () => {
    const t = new Totals();
    t.apply({ type: 'blob-start', digest: 'sha256:1' as never, size: 0, mediaType: 'x' });
    t.apply({ type: 'blob-progress', digest: 'sha256:1' as never, bytes: 113, size: 0 });
    expect(t.line('pulled')).toMatch(/^pulled: 0\/1 blobs, 113 B \(/);
    t.apply({ type: 'blob-start', digest: 'sha256:2' as never, size: 1000, mediaType: 'x' });
    expect(t.line('pulled')).toMatch(/113 B of 1000 B/);
  });

  it('copy takes --all-platforms as pull does (its default), and refuses it with --platform', async () => {
    const both = await dist(['copy', '--platform', 'linux/amd64', '--all-platforms', `${reg.host}/a/b:v1`, `${reg.host}/a/c:v1`]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--platform and --all-platforms exclude each other/);
    const alone = await dist(['copy', '--all-platforms', `${reg.host}/a/b:v1`, `${reg.host}/a/c:v1`]);
    expect(alone.stderr).not.toMatch(/unknown option/);
    expect(alone.code).toBe(3); // a/b:v1 does not exist: the option itself was accepted
  });
});
