import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from '../../src/server/listen.js';
import { createLogger } from '../../src/server/log.js';
import { createRegistry, type RegistryHandler, type RegistryOptions } from '../../src/server/registry.js';
import type { StorageDriver } from '../../src/storage/driver/driver.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';

export interface StartOptions extends Partial<Omit<RegistryOptions, 'driver'>> {
  /** Data directory (rootdirectory); a fresh temp dir by default (removed on close). */
  dir?: string;
  driver?: StorageDriver;
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

/** Start an in-process `dist serve` on 127.0.0.1, port 0 (filesystem driver in a temp dir by default). */
export async function startRegistry(opts: StartOptions = {}): Promise<TestRegistry> {
  const { dir: givenDir, driver: givenDriver, ...rest } = opts;
  const ownDir = !givenDir && !givenDriver;
  const dir = givenDir ?? (givenDriver ? '' : await mkdtemp(join(tmpdir(), 'dist-registry-')));
  const driver = givenDriver ?? new FilesystemDriver(dir);
  const handler = createRegistry({ log: createLogger('silent'), ...rest, driver });
  const running = await listen(handler, { host: '127.0.0.1', port: 0 });
  return {
    url: running.url,
    host: running.host,
    dir,
    handler,
    async close() {
      await running.close(1000);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
