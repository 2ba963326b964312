import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RepositoryOptions } from '../client/repository.js';
import { isLocalSpec, parseLocalSpec } from '../content/local.js';
import type { ReadOnlyTarget } from '../content/target.js';
import { verified } from '../content/verify.js';
import { digestOf, type Digest } from '../digest/digest.js';
import { RegistryError, UsageError } from '../errors/errors.js';
import { isMediaType, MediaType } from '../oci/mediatypes.js';
import type { Descriptor, ImageManifest } from '../oci/types.js';
import { openDestination, sharedClient } from './endpoints.js';
import type { OnEvent } from './events.js';
import { copyGraph } from './graph.js';

/** The OCI empty descriptor (`{}`): the config of an artifact, and its only layer when it has no files. */
export const EMPTY_DESCRIPTOR: Descriptor = {
  mediaType: MediaType.OciEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a' as Digest,
  size: 2,
  data: 'e30=',
};

/** Default media type of an attached file, as oras uses. */
export const DEFAULT_FILE_TYPE = 'application/vnd.oci.image.layer.v1.tar';

export interface AttachFile {
  path: string;
  mediaType?: string;
}

export interface AttachOptions extends RepositoryOptions {
  artifactType: string;
  files?: AttachFile[];
  annotations?: Record<string, string>;
  jobs?: number;
  onEvent?: OnEvent;
  signal?: AbortSignal;
  /** The `org.opencontainers.image.created` time (default: now). */
  now?: () => Date;
}

export interface AttachResult {
  subject: Descriptor;
  artifact: Descriptor;
  destination: string;
}

/**
 * `dist attach` (oras attach): push files as an artifact manifest whose `subject` is the image
 * `reference` names, on a registry or in an OCI layout. Files are hashed once, then streamed (and
 * verified again) by the graph copy; the manifest's subject is resolved first, so a wrong
 * reference pushes nothing.
 */
export async function attach(reference: string, o: AttachOptions): Promise<AttachResult> {
  if (!isMediaType(o.artifactType)) throw new UsageError(`--artifact-type "${o.artifactType ?? ''}": a media type (type/subtype) is needed`);
  const local = (await isLocalSpec(reference)) ? await parseLocalSpec(reference) : undefined;
  if (local && (local.format ?? 'oci-layout') !== 'oci-layout') throw new UsageError(`${reference}: attach to a registry or an OCI layout directory, not an archive`);
  if (local && !(await stat(join(local.path, 'oci-layout')).catch(() => undefined))) throw new UsageError(`${local.path}: not an OCI layout directory`);
  const dst = await openDestination(reference, { registry: sharedClient(o) });
  const target = dst.target;
  const subjectRef = dst.remote ? dst.remote.digest ?? dst.remote.tag : local?.reference;
  if (!subjectRef) throw new UsageError(`${reference}: name the image the artifact refers to (:tag or @digest)`);
  const subject = await target.resolve(subjectRef, { signal: o.signal });

  const layers = await Promise.all((o.files ?? []).map(describeFile));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: o.artifactType,
    config: EMPTY_DESCRIPTOR,
    layers: layers.length ? layers.map((l) => l.desc) : [EMPTY_DESCRIPTOR],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { 'org.opencontainers.image.created': (o.now?.() ?? new Date()).toISOString(), ...o.annotations },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const artifact: Descriptor = { mediaType: MediaType.OciManifest, digest: digestOf(bytes), size: bytes.length, artifactType: o.artifactType };
  await copyGraph(new ArtifactSource(bytes, artifact, layers), target, artifact, { jobs: o.jobs, onEvent: o.onEvent, signal: o.signal });
  // a registry holds it by digest (and indexes the subject); a layout lists it in index.json
  if (!dst.remote) await target.tag(artifact, artifact.digest);
  await dst.finish();
  return { subject, artifact, destination: dst.display };
}

/** `FILE` or `FILE:MEDIATYPE` (a name that exists as a file is taken whole, colon and all). */
export async function parseAttachFile(spec: string): Promise<AttachFile> {
  if (await stat(spec).then((s) => s.isFile(), () => false)) return { path: spec };
  const i = spec.lastIndexOf(':');
  if (i > 0) return { path: spec.slice(0, i), mediaType: spec.slice(i + 1) };
  return { path: spec };
}

interface DescribedFile {
  path: string;
  desc: Descriptor;
}

async function describeFile(f: AttachFile): Promise<DescribedFile> {
  const st = await stat(f.path).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`${f.path}: ${e.code === 'ENOENT' ? 'no such file' : e.code ?? e.message}`);
  });
  if (!st.isFile()) throw new UsageError(`${f.path}: not a regular file`);
  if (f.mediaType !== undefined && !isMediaType(f.mediaType)) throw new UsageError(`${f.path}: "${f.mediaType}" is not a media type`);
  const h = createHash('sha256');
  let size = 0;
  await pipeline(createReadStream(f.path), async (chunks: AsyncIterable<Buffer>) => {
    for await (const c of chunks) {
      h.update(c);
      size += c.length;
    }
  });
  const desc: Descriptor = {
    mediaType: f.mediaType ?? DEFAULT_FILE_TYPE, digest: `sha256:${h.digest('hex')}` as Digest, size,
    annotations: { 'org.opencontainers.image.title': basename(f.path) },
  };
  return { path: f.path, desc };
}

/** The artifact to push: its manifest and the empty config in memory, the files streamed from disk (verified). */
class ArtifactSource implements ReadOnlyTarget {
  constructor(private readonly bytes: Buffer, private readonly root: Descriptor, private readonly files: DescribedFile[]) {}
  async exists(): Promise<boolean> {
    return true;
  }
  async resolve(): Promise<Descriptor> {
    return this.root;
  }
  async fetch(desc: Descriptor): Promise<Readable> {
    if (desc.digest === this.root.digest) return Readable.from([this.bytes]);
    if (desc.digest === EMPTY_DESCRIPTOR.digest) return Readable.from([Buffer.from('{}')]);
    const f = this.files.find((x) => x.desc.digest === desc.digest);
    if (!f) throw new RegistryError('BLOB_UNKNOWN', `${desc.digest}: not part of this artifact`);
    // the file may have changed since it was hashed: the push must fail, not store other bytes
    return verified(createReadStream(f.path), desc);
  }
}
