import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
/**
 * The CLI under test is built into a private copy of the package (build/, bin/, package.json,
 * node_modules symlink) so a concurrent `tsc` of the shared build/ cannot race the tests.
 */
/** One per test run (test/setup/test-run.ts); the parent pid when a file runs without that setup. */
const RUN = process.env.DIST_TEST_RUN ?? String(process.ppid);
export const PKG = join(tmpdir(), `dist-cli-pkg-${RUN}`);
const BIN = join(PKG, 'bin/dist.js');

/**
 * Build once per vitest run (test files run in forks of one vitest process: a marker keyed by
 * the parent pid). tsc emits even when another team's file has a type error.
 */
export function buildOnce(): void {
  const marker = join(tmpdir(), `dist-cli-build-${RUN}`);
  if (existsSync(marker)) return;
  try {
    mkdirSync(`${marker}.lock`);
  } catch {
    // another test file of this run is building: wait for it (up to 3 minutes)
    const until = Date.now() + 180_000;
    while (!existsSync(marker) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    return;
  }
  mkdirSync(join(PKG, 'bin'), { recursive: true });
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', join(PKG, 'build')], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    /* type errors elsewhere still emit */
  }
  copyFileSync(join(ROOT, 'bin/dist.js'), BIN);
  copyFileSync(join(ROOT, 'package.json'), join(PKG, 'package.json'));
  if (!existsSync(join(PKG, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(PKG, 'node_modules'));
  writeFileSync(marker, String(Date.now()));
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (with --json). */
  json: Array<Record<string, unknown>>;
}

/** Run `node bin/dist.js ARGS` with an isolated state dir / docker config. */
export function dist(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; wrapper?: string[] } = {}): Promise<RunResult> {
  // `wrapper` runs the CLI under another command (e.g. `prlimit --fsize=N`)
  const argv = [...(opts.wrapper ?? []), process.execPath, BIN, ...args];
  return new Promise((res, rej) => {
    const p = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdin.end(opts.input ?? '');
    p.on('error', rej);
    p.on('close', (code, signal) => {
      const json = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      res({ code, signal, stdout, stderr, json });
    });
  });
}

export const resultOf = (r: RunResult): Record<string, unknown> => {
  const hit = r.json.find((o) => o.type === 'result');
  if (!hit) throw new Error(`no result object (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return hit;
};
export const eventsOf = (r: RunResult, type: string): Array<Record<string, unknown>> => r.json.filter((o) => o.type === type);

/** Spawn `node bin/dist.js ARGS` and hand back the child (to SIGKILL it mid-transfer). */
export function spawnDist(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { child: ReturnType<typeof spawn>; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<RunResult>((res) =>
    child.on('close', (code, signal) => {
      const json = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      res({ code, signal, stdout, stderr, json });
    }),
  );
  return { child, done };
}
