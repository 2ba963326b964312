import { Readable } from 'node:stream';
import { digestOf, type Digest } from '../../digest/digest.js';
import { Digester } from '../../digest/digester.js';
import { DistError, RegistryError } from '../../errors/errors.js';
import { MediaType } from '../../oci/mediatypes.js';
import type { Descriptor, ImageManifest } from '../../oci/types.js';
import { parseReference } from '../../ref/reference.js';
import { readCapped } from '../read.js';
import type { FetchOptions, ReadOnlyTarget } from '../target.js';
import { MAX_MANIFEST_BYTES } from '../target.js';
import type { TarSource } from '../tar/tar-source.js';
import { verified } from '../verify.js';
import { DOCKER_MANIFEST_FILE, parseDockerSaveManifest } from './docker-manifest-json.js';

const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

/** One image of a legacy `docker save` archive, with the schema 2 manifest synthesised for it. */
export interface ArchiveImage {
  repoTags: string[];
  manifest: Descriptor;
  bytes: Buffer;
}

/**
 * A `docker save` tarball (manifest.json + config json + layer tars) as a read-only Target.
 * Each image is presented as a Docker schema 2 manifest built from manifest.json; layers keep
 * their bytes (digest = diff_id for uncompressed layers, hashed once for compressed ones) and
 * are streamed from the tar by byte range.
 */
export class DockerArchiveReader implements ReadOnlyTarget {
  private readonly files = new Map<string, string>();
  private readonly manifests = new Map<string, Buffer>();
  readonly images: ArchiveImage[] = [];

  private constructor(private readonly tar: TarSource) {}

  static async open(tar: TarSource): Promise<DockerArchiveReader> {
    const r = new DockerArchiveReader(tar);
    const entries = parseDockerSaveManifest(await r.small(DOCKER_MANIFEST_FILE), tar.path);
    for (const e of entries) r.images.push(await r.describe(e.Config, e.Layers, e.RepoTags ?? []));
    return r;
  }

  private async small(name: string): Promise<Buffer> {
    return readCapped(await this.tar.open(name), MAX_MANIFEST_BYTES, `${this.tar.path}:${name}`);
  }

  private async describe(configName: string, layerNames: string[], repoTags: string[]): Promise<ArchiveImage> {
    const configBytes = await this.small(configName);
    const configDigest = digestOf(configBytes);
    this.files.set(configDigest, configName);
    const diffIds = ((JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: string[] } }).rootfs?.diff_ids ?? []);
    const layers: Descriptor[] = [];
    for (const [i, name] of layerNames.entries()) {
      const size = await this.tar.size(name);
      if (size === undefined) throw new DistError('ARCHIVE_INVALID', `${this.tar.path}: layer ${name} is missing`);
      const head = await this.head(name);
      const compression = head[0] === 0x1f && head[1] === 0x8b ? 'gzip' : head.readUInt32LE(0) === 0xfd2fb528 ? 'zstd' : undefined;
      const digest = !compression && diffIds[i] ? (diffIds[i] as Digest) : await this.hash(name);
      const mediaType = compression === 'gzip' ? MediaType.DockerLayer : compression === 'zstd' ? MediaType.OciLayerZstd : DOCKER_LAYER_TAR;
      this.files.set(digest, name);
      layers.push({ mediaType, digest, size });
    }
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, size: configBytes.length, digest: configDigest },
      layers,
    };
    const bytes = Buffer.from(JSON.stringify(manifest, null, 3));
    const desc: Descriptor = { mediaType: MediaType.DockerManifest, digest: digestOf(bytes), size: bytes.length };
    this.manifests.set(desc.digest, bytes);
    return { repoTags, manifest: desc, bytes };
  }

  /** The first 8 bytes of a file (zero-padded): enough to sniff gzip / zstd. */
  private async head(name: string): Promise<Buffer> {
    const s = await this.tar.open(name);
    const out: Buffer[] = [];
    let n = 0;
    for await (const c of s as AsyncIterable<Buffer>) {
      out.push(c);
      n += c.length;
      if (n >= 8) break;
    }
    s.destroy();
    const b = Buffer.concat(out).subarray(0, 8);
    return Buffer.concat([b, Buffer.alloc(8 - b.length)]);
  }

  private async hash(name: string): Promise<Digest> {
    const d = new Digester();
    for await (const c of (await this.tar.open(name)) as AsyncIterable<Buffer>) d.update(c);
    return d.digest();
  }

  async exists(desc: Descriptor): Promise<boolean> {
    return this.manifests.has(desc.digest) || this.files.has(desc.digest);
  }

  async fetch(desc: Descriptor, opts?: FetchOptions): Promise<Readable> {
    const m = this.manifests.get(desc.digest);
    if (m) return Readable.from([m.subarray(opts?.offset ?? 0)]);
    const name = this.files.get(desc.digest);
    if (!name) throw new RegistryError('BLOB_UNKNOWN', `blob ${desc.digest} not found in ${this.tar.path}`, { digest: desc.digest });
    const body = await this.tar.open(name, opts?.offset ?? 0);
    return opts?.offset ? body : verified(body, desc);
  }

  /** A RepoTag (`repo:tag`, normalised like docker), a bare tag, a manifest digest, or '' for a single image. */
  async resolve(reference: string): Promise<Descriptor> {
    if (!reference) {
      if (this.images.length === 1) return this.images[0]!.manifest;
      throw new DistError('USAGE', `${this.tar.path} holds ${this.images.length} images: name one with :TAG`);
    }
    const hit = this.images.find((img) => img.manifest.digest === reference || img.repoTags.some((t) => sameTag(t, reference)));
    if (!hit) throw new RegistryError('MANIFEST_UNKNOWN', `${reference}: no such image in ${this.tar.path}`);
    return hit.manifest;
  }
}

function sameTag(repoTag: string, wanted: string): boolean {
  if (repoTag === wanted || repoTag.endsWith(`:${wanted}`) && !wanted.includes(':') && !wanted.includes('/')) return true;
  try {
    const a = parseReference(repoTag);
    const b = parseReference(wanted);
    return a.registry === b.registry && a.repository === b.repository && a.tag === b.tag;
  } catch {
    return false;
  }
}
