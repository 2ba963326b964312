import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { digestOf } from '../../src/digest/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import type { Descriptor, Platform } from '../../src/oci/types.js';
import type { Target } from '../../src/content/target.js';

export interface Blob {
  desc: Descriptor;
  bytes: Buffer;
}

export interface FixtureImage {
  manifest: Blob;
  config: Blob;
  layers: Blob[];
  /** Every blob, children first (config, layers, manifest). */
  blobs: Blob[];
}

export interface FixtureIndex {
  index: Blob;
  images: FixtureImage[];
  blobs: Blob[];
}

export function blob(mediaType: string, bytes: Buffer, extra: Partial<Descriptor> = {}): Blob {
  return { desc: { mediaType, digest: digestOf(bytes), size: bytes.length, ...extra }, bytes };
}

/** A real tar holding one file of `size` random bytes. */
export async function randomTar(size: number): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: `file-${randomBytes(4).toString('hex')}.bin`, size, mtime: new Date(0) }, randomBytes(size));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** An image with random tar layers; `docker: true` makes a Docker schema 2 image with gzip layers. */
export async function randomImage(opts: { layers?: number; size?: number; docker?: boolean; gzip?: boolean; platform?: Platform } = {}): Promise<FixtureImage> {
  const n = opts.layers ?? 2;
  const tars = await Promise.all(Array.from({ length: n }, () => randomTar(opts.size ?? 4096)));
  const gz = opts.gzip ?? opts.docker ?? false;
  const layerType = opts.docker ? MediaType.DockerLayer : gz ? MediaType.OciLayerGzip : MediaType.OciLayer;
  const layers = tars.map((t) => blob(layerType, gz ? gzipSync(t) : t));
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const config = blob(
    opts.docker ? MediaType.DockerConfig : MediaType.OciConfig,
    Buffer.from(JSON.stringify({ architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}), rootfs: { type: 'layers', diff_ids: tars.map((t) => digestOf(t)) }, config: {} })),
  );
  const mt = opts.docker ? MediaType.DockerManifest : MediaType.OciManifest;
  const manifest = blob(mt, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: mt, config: config.desc, layers: layers.map((l) => l.desc) })));
  return { manifest, config, layers, blobs: [config, ...layers, manifest] };
}

/** A multi-platform index over fresh random images. */
export async function randomIndex(platforms: Platform[], opts: { layers?: number; size?: number } = {}): Promise<FixtureIndex> {
  const images = await Promise.all(platforms.map((platform) => randomImage({ ...opts, platform })));
  const index = blob(
    MediaType.OciIndex,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: images.map((img, i) => ({ ...img.manifest.desc, platform: platforms[i] })) })),
  );
  return { index, images, blobs: [...images.flatMap((i) => i.blobs), index] };
}

/** Push every blob (children first) and tag the root. */
export async function storeImage(target: Target, blobs: Blob[], tag?: string): Promise<Descriptor> {
  for (const b of blobs) if (!(await target.exists(b.desc))) await target.push(b.desc, Readable.from([b.bytes]));
  const root = blobs.at(-1)!.desc;
  if (tag) await target.tag(root, tag);
  return root;
}
