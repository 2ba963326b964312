import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(__dirname, '../../bin/dist.js');

export interface Served {
  proc: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Spawn the built `dist serve` and wait for its ready line (needs `npm run build`, which `npm test` does). */
export async function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const proc = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
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
  return { proc, url, stderr: () => err, exited };
}
