import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup: one id per test run, inherited by every worker, so the CLI tests build their
 * private package copy once per run (test/cli/helpers.ts) under a name no other run shares (the
 * parent pid, used before, is reused by the system and then pointed at a stale build), and remove
 * it when the run ends.
 */
export default function setup(): () => void {
  const id = randomUUID();
  process.env.DIST_TEST_RUN = id;
  return () => {
    for (const p of [`dist-cli-pkg-${id}`, `dist-cli-build-${id}`, `dist-cli-build-${id}.lock`]) rmSync(join(tmpdir(), p), { recursive: true, force: true });
  };
}
