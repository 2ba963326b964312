import { describe, expect, it } from 'vitest';
import { checkHealth } from '../../src/server/observe/health.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import type { StorageDriver } from '../../src/storage/driver/driver.js';
import { MemoryDriver } from '../../src/storage/driver/memory.js';
import { tempDir } from '../helpers/temp.js';
import { join } from 'node:path';

describe('health', () => {
  it('healthy storage answers {} (a fresh, empty root is fine)', async () => {
    expect(await checkHealth(new FilesystemDriver(join(tempDir(), 'not-yet-created')))).toEqual({ healthy: true, body: {} });
    expect((await checkHealth(new MemoryDriver())).healthy).toBe(true);
  });

  it('a broken or hanging driver is reported under storagedriver_<name>', async () => {
    const failing = { name: 's3', list: () => Promise.reject(new Error('AccessDenied: bucket policy')) } as unknown as StorageDriver;
    expect(await checkHealth(failing)).toEqual({ healthy: false, body: { storagedriver_s3: 'AccessDenied: bucket policy' } });
    const hanging = { name: 'hang', list: () => new Promise<string[]>(() => {}) } as unknown as StorageDriver;
    expect(await checkHealth(hanging, 50)).toEqual({ healthy: false, body: { storagedriver_hang: 'storage did not answer within 50 ms' } });
  });
});
