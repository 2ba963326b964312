/**
 * `dist/server`: the registry as a plain node:http handler over a storage driver.
 *
 *   import { createRegistry, listen, FilesystemDriver } from 'dist/server';
 *   const srv = await listen(createRegistry({ driver: new FilesystemDriver('./data') }), { host: '127.0.0.1', port: 5000 });
 */
export { createRegistry, type RegistryOptions, type RegistryHandler } from '../server/registry.js';
export { listen, type RunningServer } from '../server/listen.js';
export { startServe, type ServeOptions } from '../server/serve.js';
export { createLogger, type Logger, type LogLevel } from '../server/log.js';
export type { StorageDriver, FileInfo, FileWriter } from '../storage/driver/driver.js';
export { FilesystemDriver } from '../storage/driver/filesystem.js';
export { MemoryDriver } from '../storage/driver/memory.js';
