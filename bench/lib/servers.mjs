// Start docker-registry or dist serve on 127.0.0.1:<free port> over a data directory; stop them by PID.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSeconds, freePort, startProcess, stopProcess, waitReady, vmHWM } from './proc.mjs';

/**
 * kind: 'docker-registry' | 'dist'. `tools` holds resolved binaries ({ dockerRegistry, distBin }).
 * Resolves to { kind, host, url, readyMs, pid, hwm(), cpu(), stop() } once GET /v2/ answers.
 */
export async function startServer(kind, dataDir, { workDir, tools }) {
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(workDir, { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const logFile = join(workDir, `${kind}-${port}.log`);
  let cmd;
  let args;
  if (kind === 'docker-registry') {
    const cfg = join(workDir, `registry-${port}.yml`);
    writeFileSync(cfg, [
      'version: 0.1',
      'log: { level: error, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${JSON.stringify(dataDir)} }, delete: { enabled: true } }`,
      `http: { addr: "${host}", secret: bench-local-secret }`,
      '',
    ].join('\n'));
    cmd = tools.dockerRegistry;
    args = ['serve', cfg];
  } else {
    cmd = process.execPath;
    args = [tools.distBin, 'serve', dataDir, '--addr', host, '--log-level', 'error']; // like docker-registry's config above: no access log
  }
  const t0 = performance.now();
  const child = startProcess(cmd, args, { logFile });
  try {
    await waitReady(`http://${host}/v2/`, { child });
  } catch (e) {
    await stopProcess(child);
    throw new Error(`${kind} did not start (log: ${logFile}): ${e.message}`);
  }
  const readyMs = performance.now() - t0;
  return {
    kind, host, url: `http://${host}`, readyMs, pid: child.pid, logFile,
    hwm: () => vmHWM(child.pid),
    cpu: () => cpuSeconds(child.pid),
    stop: () => stopProcess(child),
  };
}
