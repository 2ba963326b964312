import { rm } from 'node:fs/promises';
import { afterAll } from 'vitest';
import { listen } from '../../src/server/listen.js';
import { createLogger } from '../../src/server/log.js';
import { createRegistry, type RegistryHandler, type RegistryOptions } from '../../src/server/registry.js';
import type { StorageDriver } from '../../src/storage/driver/driver.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { tempDir } from './temp.js';

export interface StartOptions extends Partial<Omit<RegistryOptions, 'driver'>> {
  /** Data directory (rootdirectory); a fresh temp dir by default (removed on close). */
  dir?: string;
  driver?: StorageDriver;
  /** Close connections idle this long (the listener's default is minutes). */
  idleTimeoutMs?: number;
}

export interface TestRegistry {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>` (for image references). */
  host: string;
  /** The data directory (empty string with a custom non-filesystem driver). */
  dir: string;
  handler: RegistryHandler;
  close(): Promise<void>;
}

const open = new Set<TestRegistry>();

// Safety net: a registry a test forgot to close is closed after the test file.
afterAll(() => Promise.all([...open].map((r) => r.close())));

/** Start an in-process `dist serve` on 127.0.0.1, port 0 (filesystem driver in a temp dir by default). */
export async function startRegistry(opts: StartOptions = {}): Promise<TestRegistry> {
  const { dir: givenDir, driver: givenDriver, idleTimeoutMs, ...rest } = opts;
  const ownDir = !givenDir && !givenDriver;
  const dir = givenDir ?? (givenDriver ? '' : tempDir('dist-registry-'));
  const driver = givenDriver ?? new FilesystemDriver(dir);
  const handler = createRegistry({ log: createLogger('silent'), ...rest, driver });
  const running = await listen(handler, { host: '127.0.0.1', port: 0 }, { idleTimeoutMs });
  const reg: TestRegistry = {
    url: running.url,
    host: running.host,
    dir,
    handler,
    async close() {
      if (!open.delete(reg)) return;
      await running.close(1000);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
  open.add(reg);
  return reg;
}
