import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll } from 'vitest';

const BIN = resolve(__dirname, '../../bin/dist.js');

export interface Served {
  proc: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const running = new Set<Served>();

/** SIGKILL a spawned server that is still running and wait for it to exit (no-op otherwise). */
export async function stopServe(served: Served | undefined): Promise<void> {
  if (!served) return;
  if (served.proc.exitCode === null && served.proc.signalCode === null) served.proc.kill('SIGKILL');
  await served.exited;
}

// Safety net: no `dist serve` outlives the test file that spawned it.
afterAll(() => Promise.all([...running].map(stopServe)));

/** Spawn the built `dist serve` and wait for its ready line (needs `npm run build`, which `npm test` does). */
export async function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}, wrapper: string[] = []): Promise<Served> {
  // `wrapper` runs the server under another command (e.g. `prlimit --fsize=N`)
  const argv = [...wrapper, process.execPath, BIN, 'serve', ...args];
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  const served: Served = { proc, url: '', stderr: () => err, exited };
  running.add(served);
  void exited.then(() => running.delete(served));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`dist serve did not start: ${err}`)), 15_000);
    proc.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /dist serve: listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    void exited.then((code) => rej(new Error(`dist serve exited ${code}: ${err}`)));
  });
  served.url = url;
  return served;
}
