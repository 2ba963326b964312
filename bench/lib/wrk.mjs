// The load generator: Debian's wrk, driven by a Lua script that rotates over paths and prints a JSON summary.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.mjs';

/** Lua for wrk: round-robin over `paths`; at the end one line `BENCHJSON {...}` with totals and percentiles. */
export function wrkScript(paths) {
  return `local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCHJSON {"requests":%d,"bytes":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

/** Parse the BENCHJSON line wrk's done() printed. Returns { rps, mibps, p50ms, p99ms, errors, requests }. */
export function parseWrk(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('BENCHJSON '));
  if (!line) throw new Error(`wrk printed no summary: ${stdout.slice(0, 200)}`);
  const j = JSON.parse(line.slice('BENCHJSON '.length));
  const secs = j.duration_us / 1e6;
  return {
    requests: j.requests,
    rps: j.requests / secs,
    mibps: j.bytes / (1024 * 1024) / secs,
    p50ms: j.p50_us / 1000,
    p99ms: j.p99_us / 1000,
    errors: j.connect + j.read + j.write + j.status + j.timeout,
  };
}

/** Run wrk against `base` (http://host) with `connections` over `paths` for `seconds`. */
export async function runWrk(ctx, base, paths, { connections, seconds, headers = {}, timeout = '10s' }) {
  const script = join(ctx.work, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(script, wrkScript(paths));
  const threads = Math.min(2, connections);
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', timeout, '-s', script];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(base + paths[0]);
  const res = await run(ctx.tools.wrk, args, { timeoutMs: (seconds + 60) * 1000 });
  if (res.code !== 0) throw new Error(`wrk exited ${res.code}: ${res.stderr.trim().slice(0, 200)}`);
  const r = parseWrk(res.stdout);
  if (r.errors > 0) throw new Error(`wrk saw ${r.errors} errors (non-2xx/3xx, timeouts or socket errors) in ${r.requests} requests`);
  return r;
}
