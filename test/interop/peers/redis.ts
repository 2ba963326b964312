import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
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

async function ping(port: number, password?: string, ca?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = ca ? tlsConnect({ host: '127.0.0.1', port, ca }) : createConnection({ host: '127.0.0.1', port });
    let buf = '';
    s.once('error', () => resolve(false));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('PONG')) {
        s.destroy();
        resolve(true);
      }
    });
    s.once(ca ? 'secureConnect' : 'connect', () => s.write(`${password ? `AUTH ${password}\r\n` : ''}PING\r\n`));
    setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 500);
  });
}

/** `tls`: PEM files of a self-signed server certificate; Redis then listens with TLS only. */
export async function startRedis(opts: { password?: string; tls?: { certFile: string; keyFile: string; caPem: string } } = {}): Promise<RedisPeer> {
  ensurePackages(['redis-server'], ['redis-server']);
  const port = await freePort();
  const listen = opts.tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', opts.tls.certFile, '--tls-key-file', opts.tls.keyFile, '--tls-ca-cert-file', opts.tls.certFile, '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  if (opts.password) args.push('--requirepass', opts.password);
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await ping(port, opts.password, opts.tls?.caPem))) {
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
