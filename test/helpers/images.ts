import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface RandomImageOptions {
  /** Number of layers (default 2). */
  layers?: number;
  /** Bytes of random file content per layer (default 64 KiB). */
  size?: number;
  /** Write into this OCI layout directory (created; default: no layout written). */
  dir?: string;
  /** Tag recorded in index.json as `org.opencontainers.image.ref.name` (default `latest`). */
  tag?: string;
  os?: string;
  architecture?: string;
  /** gzip the layers (default true: registries' clients keep gzip layers as they are, so digests survive a copy). */
  gzip?: boolean;
}

export interface RandomBlob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

export interface RandomImage {
  manifest: RandomBlob;
  config: RandomBlob;
  layers: RandomBlob[];
  /** Digests of the uncompressed layer tars (the config's rootfs.diff_ids). */
  diffIds: string[];
  /** Layout directory when `dir` was given. */
  dir?: string;
  tag: string;
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A tar holding one file of random bytes. */
async function randomLayer(index: number, size: number): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  pack.entry({ name: `layer${index}/`, type: 'directory', mode: 0o755, mtime: new Date(0) });
  pack.entry({ name: `layer${index}/random.bin`, mode: 0o644, mtime: new Date(0) }, randomBytes(size));
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function blob(mediaType: string, bytes: Buffer): RandomBlob {
  return { mediaType, digest: sha(bytes), size: bytes.length, bytes };
}

/**
 * A valid OCI image of random tar layers (real tar, gzip by default, real diff_ids, so podman and
 * skopeo accept it), optionally written as an OCI image layout at `dir`.
 */
export async function randomImage(opts: RandomImageOptions = {}): Promise<RandomImage> {
  const n = opts.layers ?? 2;
  const gz = opts.gzip ?? true;
  const layers: RandomBlob[] = [];
  const diffIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = await randomLayer(i, opts.size ?? 64 * 1024);
    diffIds.push(sha(t));
    layers.push(gz ? blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(t)) : blob('application/vnd.oci.image.layer.v1.tar', t));
  }
  const config = blob('application/vnd.oci.image.config.v1+json', Buffer.from(JSON.stringify({
    created: '2024-01-01T00:00:00Z',
    architecture: opts.architecture ?? 'amd64',
    os: opts.os ?? 'linux',
    config: { Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'randomImage' })),
  })));
  const desc = (b: RandomBlob): { mediaType: string; digest: string; size: number } => ({ mediaType: b.mediaType, digest: b.digest, size: b.size });
  const manifest = blob('application/vnd.oci.image.manifest.v1+json', Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: desc(config),
    layers: layers.map(desc),
  })));
  const tag = opts.tag ?? 'latest';
  const image: RandomImage = { manifest, config, layers, diffIds, tag };
  if (opts.dir) {
    await writeLayout(opts.dir, image);
    image.dir = opts.dir;
  }
  return image;
}

/** Write an OCI image layout (oci-layout, index.json, blobs/sha256/…) holding `image` under its tag. */
export async function writeLayout(dir: string, image: RandomImage): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const b of [image.config, ...image.layers, image.manifest]) await writeFile(join(blobs, b.digest.slice(7)), b.bytes);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{
      mediaType: image.manifest.mediaType,
      digest: image.manifest.digest,
      size: image.manifest.size,
      annotations: { 'org.opencontainers.image.ref.name': image.tag },
    }],
  }));
}
