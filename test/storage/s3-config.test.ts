import { describe, expect, it } from 'vitest';
import { endpointURL, objectParams, parseS3Options, S3ConfigError } from '../../src/storage/driver/s3/config.js';
import { KeyMapper } from '../../src/storage/driver/s3/keys.js';

describe('storage.s3 parameters (distribution keys)', () => {
  it('applies distribution 2.8 defaults', () => {
    const o = parseS3Options({ bucket: 'b', region: 'eu-west-1' });
    expect(o).toMatchObject({
      bucket: 'b',
      region: 'eu-west-1',
      rootDirectory: '',
      secure: true,
      forcePathStyle: false,
      chunkSize: 10 * 1024 * 1024,
      multipartCopyChunkSize: 32 * 1024 * 1024,
      multipartCopyMaxConcurrency: 100,
      multipartCopyThresholdSize: 32 * 1024 * 1024,
    });
    expect(o.accessKey).toBeUndefined(); // the AWS env/profile chain then supplies credentials
  });

  it('accepts YAML strings for numbers and booleans, and trims the root', () => {
    const o = parseS3Options({
      bucket: 'b', regionendpoint: '127.0.0.1:7480', secure: 'false', forcepathstyle: 'true',
      chunksize: '5242880', rootdirectory: '/reg/', accesskey: 'AK', secretkey: 'SK',
    });
    expect(o.region).toBe('us-east-1');
    expect(o.secure).toBe(false);
    expect(o.forcePathStyle).toBe(true);
    expect(o.chunkSize).toBe(5242880);
    expect(o.rootDirectory).toBe('reg');
    expect(endpointURL(o)).toBe('http://127.0.0.1:7480');
    expect(endpointURL({ ...o, secure: true })).toBe('https://127.0.0.1:7480');
    expect(endpointURL({ ...o, regionEndpoint: 'http://h:1' })).toBe('http://h:1');
  });

  it('rejects a chunk size below the S3 minimum part, bad booleans, and a missing bucket/region', () => {
    expect(() => parseS3Options({ bucket: 'b', region: 'r', chunksize: 1024 })).toThrow(S3ConfigError);
    expect(() => parseS3Options({ bucket: 'b', region: 'r', secure: 'maybe' })).toThrow(/secure/);
    expect(() => parseS3Options({ region: 'r' })).toThrow(/bucket/);
    expect(() => parseS3Options({ bucket: 'b' })).toThrow(/region/);
  });

  it('object parameters: content type, storage class, encryption', () => {
    const o = parseS3Options({ bucket: 'b', region: 'r', storageclass: 'REDUCED_REDUNDANCY', encrypt: true, keyid: 'k' });
    expect(objectParams(o)).toEqual({
      ContentType: 'application/octet-stream', StorageClass: 'REDUCED_REDUNDANCY', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'k',
    });
    expect(objectParams(parseS3Options({ bucket: 'b', region: 'r', storageclass: 'NONE' }))).toEqual({ ContentType: 'application/octet-stream' });
  });

  it('maps driver paths to keys as distribution does', () => {
    expect(new KeyMapper('reg').key('/docker/registry/v2/blobs')).toBe('reg/docker/registry/v2/blobs');
    expect(new KeyMapper('').key('/docker/registry/v2/blobs')).toBe('docker/registry/v2/blobs');
    expect(new KeyMapper('').dirPrefix('/')).toBe('');
    expect(new KeyMapper('a/b').dirPrefix('/')).toBe('a/b/');
    expect(new KeyMapper('a').dirPrefix('/x')).toBe('a/x/');
  });
});
