import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { ensurePackages } from './apt.js';
import { freePort } from './ports.js';

/** Debian's redis-server on a free loopback port, no persistence; stopped by its PID. */
export interface RedisPeer {
  addr: string;
  port: number;
  password?: string;
  pid: number;
  stop(): Promise<void>;
}

async function ping(port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    s.once('error', () => resolve(false));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('PONG')) {
        s.destroy();
        resolve(true);
      }
    });
    s.once('connect', () => s.write(`${password ? `AUTH ${password}\r\n` : ''}PING\r\n`));
    setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 500);
  });
}

export async function startRedis(opts: { password?: string } = {}): Promise<RedisPeer> {
  ensurePackages(['redis-server'], ['redis-server']);
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  if (opts.password) args.push('--requirepass', opts.password);
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await ping(port, opts.password))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGKILL');
      throw new Error(`redis-server did not start on ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    addr: `127.0.0.1:${port}`,
    port,
    password: opts.password,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid!, 'SIGTERM');
      const t = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
