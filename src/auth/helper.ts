import { spawn } from 'node:child_process';
import { AuthError } from '../errors/errors.js';
import type { Credential } from './credentials.js';

/** A helper's answer larger than this is not credentials (and is not held in memory). */
const MAX_HELPER_OUTPUT = 1024 * 1024;

/**
 * Run `docker-credential-<name> <action>` with `input` on stdin; resolves stdout. A helper that
 * does not finish within `timeoutMs`, or prints more than 1 MiB, is killed and fails with an
 * AuthError at once (without waiting for children of the helper that still hold its pipes).
 */
export function runHelper(name: string, action: 'get' | 'store' | 'erase', input: string, timeoutMs = 15_000): Promise<string> {
  const bin = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const fail = (e: AuthError): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new AuthError(`credential helper ${bin} ${action} did not finish within ${Math.round(timeoutMs / 1000)} s (check the helper, e.g. a locked keychain waiting for input)`)), timeoutMs);
    const tooBig = (): void => fail(new AuthError(`credential helper ${bin} ${action} printed more than 1 MiB: not credentials`));
    child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); if (out.length > MAX_HELPER_OUTPUT) tooBig(); });
    child.stderr.on('data', (d: Buffer) => { if (err.length < 64 * 1024) err += d.toString('utf8'); });
    child.on('error', (e) => fail(new AuthError(`credential helper ${bin} could not run: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
    child.on('close', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(Object.assign(new AuthError(`credential helper ${bin} ${action} failed (exit ${code ?? 'signal'}): ${(out || err).trim().split('\n')[0]!.slice(0, 200)}`), { helperOutput: out.trim() }));
    });
    child.stdin.on('error', () => { /* helper exited early */ });
    child.stdin.end(input);
  });
}

/** `get` from a helper; undefined when it has nothing for this server. */
export async function helperGet(name: string, serverUrl: string, timeoutMs?: number): Promise<Credential | undefined> {
  let out: string;
  try {
    out = await runHelper(name, 'get', serverUrl, timeoutMs);
  } catch (e) {
    const msg = String((e as { helperOutput?: string }).helperOutput ?? (e as Error).message);
    if (/credentials not found/i.test(msg)) return undefined;
    throw e;
  }
  let v: unknown;
  try {
    v = JSON.parse(out);
  } catch {
    v = undefined;
  }
  // the output may hold the secret: never quote it
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new AuthError(`credential helper docker-credential-${name} get printed no JSON credentials for ${serverUrl}`);
  const { Username, Secret } = v as { Username?: unknown; Secret?: unknown };
  if (Secret === undefined || Secret === null || Secret === '') return undefined;
  if (typeof Secret !== 'string' || (Username !== undefined && Username !== null && typeof Username !== 'string')) {
    throw new AuthError(`credential helper docker-credential-${name} get answered Username/Secret that are not strings for ${serverUrl}`);
  }
  if (Username === '<token>') return { kind: 'identity', identityToken: Secret };
  return { kind: 'basic', username: Username ?? '', password: Secret };
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
