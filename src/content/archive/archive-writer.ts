import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { DistError, RegistryError } from '../../errors/errors.js';
import { isManifestType } from '../../oci/mediatypes.js';
import type { Descriptor } from '../../oci/types.js';
import { blobName } from '../layout/paths.js';
import type { FetchOptions, PushOptions, Target } from '../target.js';
import { MAX_MANIFEST_BYTES } from '../target.js';
import { verified } from '../verify.js';
import { archiveMetadata, type TaggedRoot } from './archive-metadata.js';

export type ArchiveFormat = 'docker-archive' | 'oci-archive';

/**
 * A write-only Target that streams blobs straight into a tar file: an OCI archive (tarred OCI
 * layout) or a docker-archive (the same, plus `manifest.json` and `repositories`, as
 * `docker save` since Docker 25 writes it). Blobs are verified while they stream; the tar is
 * written to a temp file and renamed into place by close(), and abort() removes it, so a
 * failed or interrupted pull never leaves a half archive under the requested name.
 */
export class ArchiveWriter implements Target {
  /** Blobs are appended one after the other: a graph copy runs its transfers one at a time. */
  readonly sequential = true;
  private readonly pack = tar.pack();
  private readonly out: WriteStream;
  private readonly tmp: string;
  private readonly written = new Set<string>();
  private readonly manifests = new Map<string, Buffer>();
  private readonly roots: TaggedRoot[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private failed: unknown;

  constructor(readonly path: string, readonly format: ArchiveFormat) {
    this.path = resolve(path);
    this.tmp = `${this.path}.${randomUUID()}.tmp`;
    this.out = createWriteStream(this.tmp);
    this.pack.pipe(this.out);
    const fail = (e: unknown): void => {
      this.failed ??= e;
    };
    this.pack.on('error', fail);
    this.out.on('error', fail);
  }

  async exists(desc: Descriptor): Promise<boolean> {
    return this.written.has(desc.digest);
  }

  /** Append one blob entry; entries are serialised (a tar is sequential). */
  push(expected: Descriptor, body: Readable, opts?: PushOptions): Promise<void> {
    const run = this.queue.then(() => this.write(expected, body, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(expected: Descriptor, body: Readable, opts?: PushOptions): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.written.has(expected.digest)) return void body.destroy();
    const keep = isManifestType(expected.mediaType) && expected.size <= MAX_MANIFEST_BYTES;
    const chunks: Buffer[] = [];
    let n = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        n += chunk.length;
        if (keep) chunks.push(chunk);
        opts?.onProgress?.(n);
        cb(null, chunk);
      },
    });
    const entry = this.pack.entry({ name: blobName(expected.digest), size: expected.size, mode: 0o644, mtime: new Date(0) });
    try {
      await pipeline(verified(body, expected), tap, entry, { signal: opts?.signal });
    } catch (e) {
      this.failed = e;
      throw e;
    }
    this.written.add(expected.digest);
    if (keep) this.manifests.set(expected.digest, Buffer.concat(chunks));
  }

  /** Record a root manifest: `reference` is a tag, `name:tag`, or a digest (untagged). */
  async tag(desc: Descriptor, reference: string): Promise<void> {
    if (!this.written.has(desc.digest)) throw new RegistryError('MANIFEST_UNKNOWN', `manifest ${desc.digest} was not written to ${this.path}`);
    this.roots.push({ desc, reference });
  }

  async resolve(reference: string): Promise<Descriptor> {
    throw new DistError('UNSUPPORTED', `${this.path} is being written; cannot resolve ${reference}`);
  }

  async fetch(desc: Descriptor, _opts?: FetchOptions): Promise<Readable> {
    throw new DistError('UNSUPPORTED', `${this.path} is being written; cannot read ${desc.digest}`);
  }

  /** Write index.json / oci-layout (and manifest.json / repositories), finish the tar, move it into place. */
  async close(): Promise<void> {
    await this.queue;
    if (this.failed) {
      await this.abort();
      throw this.failed;
    }
    for (const [name, data] of archiveMetadata(this.format, this.roots, this.manifests)) {
      await new Promise<void>((res, rej) => this.pack.entry({ name, mode: 0o644, mtime: new Date(0) }, data, (e) => (e ? rej(e) : res())));
    }
    this.pack.finalize();
    await finished(this.out);
    await fsp.rename(this.tmp, this.path);
  }

  /**
   * Discard the partial archive. The temp file is removed once the stream has closed: a writer
   * aborted right after it was made is still opening the file, and removing it before that open
   * completed left `<name>.<uuid>.tmp` behind.
   */
  async abort(): Promise<void> {
    this.pack.destroy();
    const closed = this.out.closed ? Promise.resolve() : new Promise<void>((r) => this.out.once('close', () => r()));
    this.out.destroy();
    await closed;
    await fsp.rm(this.tmp, { force: true });
  }
}
