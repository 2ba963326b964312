import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors/errors.js';
import { parseConfig } from '../../src/server/config.js';
import { CachingDriver } from '../../src/storage/driver/cached/caching-driver.js';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { openDriver } from '../../src/storage/driver/from-config.js';
import { S3Driver } from '../../src/storage/driver/s3.js';
import { tempDir } from '../helpers/temp.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('storage.s3 / storage.redirect / redis wiring', () => {
  it('parses the keys from distribution YAML', () => {
    const c = parseConfig(`
storage:
  s3: { bucket: b, region: us-east-1, regionendpoint: "http://127.0.0.1:7480", forcepathstyle: true, chunksize: 5242880 }
  redirect: { disable: false }
  cache: { blobdescriptor: redis }
redis: { addr: "127.0.0.1:6379", db: 1 }
`);
    expect(c.s3).toMatchObject({ bucket: 'b', chunksize: 5242880, forcepathstyle: true });
    expect(c.redirect).toBe(true);
    expect(c.redis).toMatchObject({ addr: '127.0.0.1:6379', db: 1 });
    expect(c.blobDescriptorCache).toBe('redis');
    expect(parseConfig('storage: { redirect: { disable: true } }').redirect).toBe(false);
    expect(parseConfig('storage: { redirect: { enabled: true } }').redirect).toBe(true);
    expect(parseConfig('storage: { filesystem: { rootdirectory: /x } }').redirect).toBeUndefined();
  });

  it('takes REGISTRY_STORAGE_S3_* and REGISTRY_REDIS_* overrides, as distribution does', () => {
    const env = { REGISTRY_STORAGE_S3_SECRETKEY: 'from-env', REGISTRY_STORAGE_S3_BUCKET: 'envbucket', REGISTRY_REDIS_PASSWORD: 'pw', REGISTRY_REDIS_POOL_MAXIDLE: '3' };
    const c = parseConfig('storage: { s3: { bucket: file, region: r, secretkey: file } }', env);
    expect(c.s3).toEqual({ bucket: 'envbucket', region: 'r', secretkey: 'from-env' });
    expect(c.redis).toEqual({ password: 'pw' });
    expect(parseConfig('storage: { filesystem: { rootdirectory: /x } }', {}).s3).toBeUndefined();
  });

  it('opens the filesystem by default, S3 when configured, the Redis cache when asked', async () => {
    const dir = tempDir('dist-wiring-');
    dirs.push(dir);
    const fs = await openDriver({ dir });
    expect(fs.driver).toBeInstanceOf(FilesystemDriver);
    const s3 = await openDriver({ dir, s3: { bucket: 'bk', region: 'us-east-1', rootdirectory: '/reg', accesskey: 'a', secretkey: 'b' } });
    expect(s3.driver).toBeInstanceOf(S3Driver);
    expect(s3.description).toBe('s3 bucket bk/reg');
    await s3.close();
    const cached = await openDriver({ dir, redis: { addr: '127.0.0.1:1' }, blobDescriptorCache: 'redis' });
    expect(cached.driver).toBeInstanceOf(CachingDriver);
    await cached.close();
    await expect(openDriver({ dir, blobDescriptorCache: 'redis' })).rejects.toBeInstanceOf(UsageError);
    await expect(openDriver({ dir, s3: { region: 'r' } })).rejects.toThrow(/bucket/);
  });
});
