// Processes: run a command timed (optionally with its peak RSS), start/stop servers by PID, free ports.
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, rmSync, openSync, closeSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { delimiter, join } from 'node:path';

const started = new Set();

/** Absolute path of an executable on PATH, or undefined. */
export function which(name) {
  if (name.includes('/')) return canExec(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (canExec(p)) return p;
  }
  return undefined;
}

function canExec(p) {
  try { accessSync(p, constants.X_OK); return true; } catch { return false; }
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it back, release it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Run `cmd args` to completion. Returns { seconds, code, stderr, stdout, maxRssMiB?, cpuSeconds? }.
 * With `rss: true` it runs under `/usr/bin/time -f '%M %U %S'` to read the peak RSS and the CPU time
 * (user + system) of the command.
 * A command still running after `timeoutMs` is killed (by its PID) and reported as failed.
 */
export function run(cmd, args, { rss = false, timeoutMs = 300_000, cwd, env, rssFile } = {}) {
  const argv = rss ? ['-f', '%M %U %S', '-o', rssFile, cmd, ...args] : args;
  const bin = rss ? '/usr/bin/time' : cmd;
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(bin, argv, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { if (stdout.length < 1 << 20) stdout += d; });
    child.stderr.on('data', (d) => { if (stderr.length < 1 << 16) stderr += d; });
    const timer = setTimeout(() => { stderr += `\n[bench] killed after ${timeoutMs} ms`; kill(child, 'SIGKILL'); }, timeoutMs);
    const done = (code) => {
      clearTimeout(timer);
      started.delete(child);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let maxRssMiB;
      let cpuSeconds;
      if (rss) {
        try {
          const [kib, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
          maxRssMiB = kib / 1024;
          cpuSeconds = user + sys;
        } catch { /* no figure */ }
        rmSync(rssFile, { force: true });
      }
      resolve({ seconds, code, stdout, stderr, maxRssMiB, cpuSeconds });
    };
    child.on('error', (e) => { stderr += String(e); done(-1); });
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : -1)));
  });
}

/** Start a long-running process (a server); its output goes to `logFile`. */
export function startProcess(cmd, args, { logFile, cwd } = {}) {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

function kill(child, sig) {
  try { if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, sig); } catch { /* gone */ }
}

/** Stop a process we started: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  kill(child, 'SIGTERM');
  const t = setTimeout(() => kill(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

/** Kill every process this harness started and that still runs (on exit, Ctrl-C, or a crash). */
export function killAll() {
  for (const c of started) kill(c, 'SIGKILL');
  started.clear();
}

/** Peak resident set (VmHWM) of a running process, in MiB; NaN when unreadable. */
export function vmHWM(pid) {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch { return NaN; }
}

/** CPU time (user+sys, all threads) a running process has used so far, in seconds; NaN when unreadable. */
export function cpuSeconds(pid) {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in clock ticks (USER_HZ = 100 on Linux)
  } catch { return NaN; }
}

/** One GET; resolves to the status code, or 0 when the connection failed. */
export function httpStatus(url, timeoutMs = 1000, headers = {}) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, agent: false, headers }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Poll `url` every `stepMs` until it answers (any HTTP status below 500); resolves to ms waited, rejects on timeout. */
export async function waitReady(url, { timeoutMs = 15_000, stepMs = 2, child } = {}) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (child && child.exitCode !== null) throw new Error(`${url}: server exited with code ${child.exitCode}`);
    const s = await httpStatus(url, 500);
    if (s > 0 && s < 500) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`${url}: not ready after ${timeoutMs} ms`);
}
