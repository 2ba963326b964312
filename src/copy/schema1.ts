import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadOnlyTarget, Target } from '../content/target.js';
import type { Digest } from '../digest/digest.js';
import { CopyError, RegistryError } from '../errors/errors.js';
import { Schema1LayerStream, schema1Layers, schema1ToOci, verifySchema1, type FetchedLayer } from '../legacy/api.js';
import { MediaType } from '../oci/mediatypes.js';
import type { Descriptor } from '../oci/types.js';
import type { OnEvent } from './events.js';
import type { Limiter } from './limit.js';

interface Ctx {
  src: ReadOnlyTarget;
  dst: Target;
  onEvent: OnEvent;
  signal?: AbortSignal;
  limiter: Limiter;
}

type BlobOpener = { blobs: { open(d: Digest, o?: { signal?: AbortSignal }): Promise<{ body: Readable }> } };
const canOpen = (t: unknown): t is BlobOpener => typeof (t as Partial<BlobOpener>).blobs?.open === 'function';

async function pushIfMissing(ctx: Ctx, desc: Descriptor, body: () => Readable): Promise<boolean> {
  if (await ctx.dst.exists(desc)) return false;
  await ctx.dst.push(desc, body(), { signal: ctx.signal });
  return true;
}

/** Fetch one layer by its blobSum, checking it (sha256 or tarsum), spooled to a temp file; then push it by sha256. */
async function copyLayer(ctx: Ctx, dir: string, blobSum: string, i: number): Promise<FetchedLayer & { pushed: boolean }> {
  if (!canOpen(ctx.src)) throw new CopyError('source', 'schema 1 images can only be read from a registry');
  const file = join(dir, `layer-${i}`);
  const check = new Schema1LayerStream(blobSum);
  ctx.onEvent({ type: 'blob-start', digest: blobSum as Digest, size: 0, mediaType: MediaType.DockerLayer });
  try {
    const { body } = await ctx.src.blobs.open(blobSum as Digest, { signal: ctx.signal });
    await pipeline(body, check, createWriteStream(file), { signal: ctx.signal });
  } catch (e) {
    throw e instanceof CopyError ? e : new CopyError('source', `layer ${blobSum}: ${(e as Error).message}`, { cause: e });
  }
  const f = check.facts!;
  const desc: Descriptor = { mediaType: MediaType.OciLayerGzip, digest: f.digest, size: f.size };
  let pushed: boolean;
  try {
    pushed = await pushIfMissing(ctx, desc, () => createReadStream(file));
  } catch (e) {
    throw new CopyError('destination', `layer ${f.digest}: ${(e as Error).message}`, { cause: e });
  } finally {
    await rm(file, { force: true });
  }
  ctx.onEvent(pushed ? { type: 'blob-done', digest: f.digest, size: f.size } : { type: 'blob-skipped', digest: f.digest, size: f.size });
  return { digest: f.digest, size: f.size, diffId: f.diffId, pushed };
}

/**
 * Copy a schema 1 image as an OCI image: verify every signature and that the payload digest is the
 * one resolved, fetch each layer by blobSum (verifying sha256 or tarsum, computing its diff ID),
 * then write the config synthesised from v1Compatibility and an OCI manifest. Returns the new root.
 */
export async function copySchema1(ctx: Ctx, desc: Descriptor, bytes: Buffer): Promise<{ root: Descriptor; copied: number; skipped: number; bytes: number }> {
  let v;
  try {
    v = await verifySchema1(bytes);
  } catch (e) {
    throw new CopyError('source', `${desc.digest}: ${(e as Error).message}`, { cause: e });
  }
  if (v.digest !== desc.digest) throw new CopyError('source', `schema 1 payload digest ${v.digest} does not match ${desc.digest}`, { cause: new RegistryError('MANIFEST_UNVERIFIED') });
  const dir = await mkdtemp(join(tmpdir(), 'dist-schema1-'));
  try {
    const layers = await Promise.all(schema1Layers(v.manifest).map((l, i) => ctx.limiter.run(() => copyLayer(ctx, dir, l.blobSum, i))));
    const oci = schema1ToOci(v.manifest, layers);
    try {
      await pushIfMissing(ctx, oci.manifest.config, () => Readable.from([oci.config]));
      const root: Descriptor = { mediaType: MediaType.OciManifest, digest: oci.digest, size: oci.manifestBytes.length };
      const pushed = await pushIfMissing(ctx, root, () => Readable.from([oci.manifestBytes]));
      ctx.onEvent({ type: pushed ? 'manifest-pushed' : 'manifest-skipped', digest: root.digest, mediaType: root.mediaType, size: root.size });
      const copied = layers.filter((l) => l.pushed);
      return { root, copied: copied.length, skipped: layers.length - copied.length, bytes: copied.reduce((n, l) => n + l.size, 0) };
    } catch (e) {
      throw e instanceof CopyError ? e : new CopyError('destination', `${oci.digest}: ${(e as Error).message}`, { cause: e });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
