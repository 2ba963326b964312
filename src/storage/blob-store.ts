import type { Readable } from 'node:stream';
import type { Digest } from '../digest/digest.js';
import { RegistryError } from '../errors/errors.js';
import type { StorageDriver } from './driver/driver.js';
import { isNotFound, sizeOf } from './links.js';
import { paths } from './paths.js';

/**
 * The global content-addressed blob store (`blobs/<alg>/<2>/<hex>/data`). Blobs appear here only
 * complete and verified: either moved from a finished upload or written whole with putContent.
 */
export class BlobStore {
  constructor(private readonly driver: StorageDriver) {}

  /** Size of the stored blob, or undefined when it is not stored. */
  async size(digest: Digest): Promise<number | undefined> {
    return sizeOf(this.driver, paths.blobData(digest));
  }

  async reader(digest: Digest, offset = 0): Promise<Readable> {
    try {
      return await this.driver.reader(paths.blobData(digest), offset);
    } catch (e) {
      if (isNotFound(e)) throw new RegistryError('BLOB_UNKNOWN', undefined, { digest });
      throw e;
    }
  }

  /** A URL the client can fetch the blob from directly (presigned), when the driver offers one. */
  async redirectURL(digest: Digest, method: 'GET' | 'HEAD'): Promise<string | undefined> {
    return this.driver.redirectURL?.(paths.blobData(digest), method);
  }

  /** Small blobs (manifests): whole content. */
  async get(digest: Digest): Promise<Buffer> {
    try {
      return await this.driver.getContent(paths.blobData(digest));
    } catch (e) {
      if (isNotFound(e)) throw new RegistryError('BLOB_UNKNOWN', undefined, { digest });
      throw e;
    }
  }

  /** Store small verified content (a manifest) under its digest; a no-op when already there. */
  async put(digest: Digest, data: Uint8Array): Promise<void> {
    if ((await this.size(digest)) === data.length) return;
    await this.driver.putContent(paths.blobData(digest), data);
  }

  /**
   * Move verified upload data into place. When the blob already exists (a concurrent push of the
   * same content) the upload data is simply dropped: both are the same bytes.
   */
  async adopt(digest: Digest, from: string): Promise<void> {
    if ((await this.size(digest)) !== undefined) return;
    await this.driver.move(from, paths.blobData(digest));
  }
}
