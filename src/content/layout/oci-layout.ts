import * as fsp from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { isDigest } from '../../digest/digest.js';
import { DistError, RegistryError } from '../../errors/errors.js';
import { ANNOTATION_REF_NAME, type Descriptor } from '../../oci/types.js';
import type { Ingester, PushOptions, Target, VerifiesUploads } from '../target.js';
import { DirSource } from './dir-source.js';
import { updateIndex, writeAtomic } from './index-file.js';
import { ingestBlob, partialSize } from './ingest.js';
import { LayoutReader } from './reader.js';
import { INGEST_DIR, LAYOUT_VERSION, OCI_LAYOUT_FILE } from './paths.js';

/**
 * An OCI image layout directory as a read-write Target. Several pulls can share one layout
 * (blobs are shared, each tag is one index.json entry); index.json updates are locked and
 * atomic; blobs become visible only after verification.
 */
export class OciLayout extends LayoutReader implements Target, Ingester, VerifiesUploads {
  readonly root: string;
  /** Every blob is hashed as it lands (file-hasher.ts): a copy into a layout fetches raw bytes. */
  readonly verifiesUploads = true;
  private constructor(root: string) {
    super(new DirSource(root));
    this.root = root;
  }

  /** Open a layout directory; with `create` (default) the directory and oci-layout are made when missing. */
  static async open(dir: string, opts: { create?: boolean } = {}): Promise<OciLayout> {
    const root = resolve(dir);
    const layout = new OciLayout(root);
    const marker = join(root, OCI_LAYOUT_FILE);
    if (opts.create === false) {
      await fsp.access(marker);
      return layout;
    }
    // (a concurrent open may have made .dist-ingest / oci-layout temp files a moment ago: those are ours)
    const entries = await fsp.readdir(root).catch(() => [] as string[]);
    const foreign = entries.filter((n) => !/^(\.dist-ingest|oci-layout|index\.json|blobs)/.test(n));
    if (foreign.length && !entries.includes(OCI_LAYOUT_FILE)) {
      throw new DistError('USAGE', `${root} exists and is not an OCI image layout: choose another output`);
    }
    await fsp.mkdir(join(root, INGEST_DIR), { recursive: true });
    if (!(await fsp.stat(marker).catch(() => undefined))) {
      await writeAtomic(marker, `${JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION })}\n`);
    }
    if (!(await fsp.stat(join(root, 'index.json')).catch(() => undefined))) await updateIndex(root, () => undefined);
    return layout;
  }

  push(expected: Descriptor, body: Readable, opts?: PushOptions): Promise<void> {
    return ingestBlob(this.root, expected, body, opts);
  }

  partialSize(desc: Descriptor): Promise<number> {
    return partialSize(this.root, desc);
  }

  /** Record `desc` in index.json: as tag `reference` (replacing that tag), or untagged when it is a digest. */
  async tag(desc: Descriptor, reference: string): Promise<void> {
    if (!(await this.exists(desc))) throw new RegistryError('MANIFEST_UNKNOWN', `manifest ${desc.digest} is not in ${this.root}`);
    const entry: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
    if (desc.platform) entry.platform = desc.platform;
    if (desc.artifactType) entry.artifactType = desc.artifactType;
    await updateIndex(this.root, (index) => {
      if (isDigest(reference) || !reference) {
        if (!index.manifests.some((d) => d.digest === desc.digest)) index.manifests.push(entry);
        return;
      }
      index.manifests = index.manifests.filter(
        (d) => d.annotations?.[ANNOTATION_REF_NAME] !== reference && !(d.digest === desc.digest && !d.annotations?.[ANNOTATION_REF_NAME]),
      );
      index.manifests.push({ ...entry, annotations: { [ANNOTATION_REF_NAME]: reference } });
    });
  }
}
