import { spawn } from 'node:child_process';
import { AuthError } from '../errors/errors.js';
import type { Credential } from './credentials.js';

/** Run `docker-credential-<name> <action>` with `input` on stdin; resolves stdout. */
export function runHelper(name: string, action: 'get' | 'store' | 'erase', input: string, timeoutMs = 15_000): Promise<string> {
  const bin = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new AuthError(`credential helper ${bin} could not run: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(Object.assign(new AuthError(`credential helper ${bin} ${action} failed: ${(out || err).trim().slice(0, 200)}`), { helperOutput: out.trim() }));
    });
    child.stdin.on('error', () => { /* helper exited early */ });
    child.stdin.end(input);
  });
}

/** `get` from a helper; undefined when it has nothing for this server. */
export async function helperGet(name: string, serverUrl: string): Promise<Credential | undefined> {
  let out: string;
  try {
    out = await runHelper(name, 'get', serverUrl);
  } catch (e) {
    const msg = String((e as { helperOutput?: string }).helperOutput ?? (e as Error).message);
    if (/credentials not found/i.test(msg)) return undefined;
    throw e;
  }
  const v = JSON.parse(out) as { Username?: string; Secret?: string };
  if (!v.Secret) return undefined;
  if (v.Username === '<token>') return { kind: 'identity', identityToken: v.Secret };
  return { kind: 'basic', username: v.Username ?? '', password: v.Secret };
}

export async function helperStore(name: string, serverUrl: string, username: string, secret: string): Promise<void> {
  await runHelper(name, 'store', JSON.stringify({ ServerURL: serverUrl, Username: username, Secret: secret }));
}

export async function helperErase(name: string, serverUrl: string): Promise<void> {
  try {
    await runHelper(name, 'erase', serverUrl);
  } catch (e) {
    if (!/not found/i.test(String((e as { helperOutput?: string }).helperOutput ?? (e as Error).message))) throw e;
  }
}
