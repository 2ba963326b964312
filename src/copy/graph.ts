import { Readable } from 'node:stream';
import { fetchBytes } from '../content/read.js';
import type { KnowsManifests, ReadOnlyTarget, Target } from '../content/target.js';
import { CopyError } from '../errors/errors.js';
import { parseManifest, referencedDescriptors, type ParsedManifest } from '../oci/manifest.js';
import { isManifestType } from '../oci/mediatypes.js';
import { platformMatches } from '../oci/platform.js';
import type { Descriptor, Platform } from '../oci/types.js';
import { copyBlob, type BlobOutcome } from './blob.js';
import type { OnEvent } from './events.js';
import { DEFAULT_JOBS, Limiter, SMALL_BLOB_BYTES } from './limit.js';
import { selectPlatform } from './select.js';

export interface GraphCopyOptions {
  /** Keep only this platform of an index (the root becomes that platform's manifest). */
  platform?: Platform;
  /** Like `platform`, but an index without a matching entry is copied whole instead of failing (pull's host default). */
  preferPlatform?: Platform;
  /** Parallel blob transfers. */
  jobs?: number;
  onEvent?: OnEvent;
  signal?: AbortSignal;
}

export interface GraphCopyResult {
  /** The root actually copied (the selected platform's manifest when `platform` was given). */
  root: Descriptor;
  blobs: { copied: number; skipped: number; mounted: number };
  manifests: { pushed: number; skipped: number };
  /** Bytes of blobs actually transferred. */
  bytes: number;
}

/**
 * ONE graph copy (oras-go style) for pull, push and copy: walk index → manifests →
 * config/layers, copy children before their parents (a registry refuses a manifest whose
 * blobs are missing), skip what the destination has, mount within a registry, and run blob
 * transfers in parallel bounded by `jobs`. Manifests are kept byte-exact, so digests survive.
 */
export async function copyGraph(src: ReadOnlyTarget, dst: Target, root: Descriptor, opts: GraphCopyOptions = {}): Promise<GraphCopyResult> {
  const onEvent = opts.onEvent ?? (() => undefined);
  // A tar being written takes one entry at a time: fetching ahead would only hold connections open.
  const sequential = (dst as { readonly sequential?: boolean }).sequential === true;
  const jobs = sequential ? 1 : opts.jobs ?? DEFAULT_JOBS;
  const limiter = new Limiter(jobs);
  // Small blobs (an image config) have a lane of their own. In the shared one, a config took one of
  // the slots, and while the large layers kept the event loop busy its few awaits took 180-260 ms,
  // so the last layer started that much later. On loopback the total barely moves (CPU-bound); over
  // a real network, where each stream has its own bandwidth, the late layer is late throughout.
  const smallLane = sequential ? limiter : new Limiter(jobs);
  const result: GraphCopyResult = { root, blobs: { copied: 0, skipped: 0, mounted: 0 }, manifests: { pushed: 0, skipped: 0 }, bytes: 0 };
  const done = new Map<string, Promise<void>>();
  const ctx = { src, dst, onEvent, signal: opts.signal };

  // The root is read twice when a platform is preferred (once to choose, once to copy): fetch it once.
  const manifests = new Map<string, Promise<{ bytes: Buffer; parsed: ParsedManifest }>>();
  const readManifest = (desc: Descriptor): Promise<{ bytes: Buffer; parsed: ParsedManifest }> => {
    let p = manifests.get(desc.digest);
    if (!p) manifests.set(desc.digest, (p = fetchManifest(desc)));
    return p;
  };
  const fetchManifest = async (desc: Descriptor): Promise<{ bytes: Buffer; parsed: ParsedManifest }> => {
    try {
      const bytes = await fetchBytes(src, desc, { signal: opts.signal });
      return { bytes, parsed: parseManifest(bytes, desc.mediaType) };
    } catch (e) {
      throw e instanceof CopyError ? e : new CopyError('source', `manifest ${desc.digest}: ${(e as Error).message}`, { cause: e });
    }
  };

  const copyManifest = async (desc: Descriptor, bytes: Buffer, parsed: ParsedManifest): Promise<void> => {
    if (parsed.kind === 'schema1') {
      // legacy: a schema 1 root is verified and converted to an OCI image (src/copy/schema1.ts)
      if (desc !== result.root) throw new CopyError('source', `${desc.digest}: a Docker schema 1 manifest can only be the root of a copy`);
      const r = await (await import('./schema1.js')).copySchema1({ ...ctx, limiter }, desc, bytes);
      result.root = r.root;
      result.blobs.copied += r.copied;
      result.blobs.skipped += r.skipped;
      result.bytes += r.bytes;
      result.manifests.pushed++;
      return;
    }
    await Promise.all(referencedDescriptors(parsed).map((child) => visit(child)));
    try {
      if (await dst.exists(desc)) {
        (dst as Partial<KnowsManifests>).knownManifest?.(desc, bytes);
        result.manifests.skipped++;
        onEvent({ type: 'manifest-skipped', digest: desc.digest, mediaType: desc.mediaType, size: desc.size });
        return;
      }
      await dst.push(desc, Readable.from([bytes]), { signal: opts.signal });
    } catch (e) {
      throw e instanceof CopyError ? e : new CopyError('destination', `manifest ${desc.digest}: ${(e as Error).message}`, { cause: e });
    }
    result.manifests.pushed++;
    onEvent({ type: 'manifest-pushed', digest: desc.digest, mediaType: desc.mediaType, size: desc.size });
  };

  const visit = (desc: Descriptor): Promise<void> => {
    let p = done.get(desc.digest);
    if (!p) {
      p = isManifestType(desc.mediaType)
        ? readManifest(desc).then(({ bytes, parsed }) => copyManifest(desc, bytes, parsed))
        : (desc.size <= SMALL_BLOB_BYTES ? smallLane : limiter).run(() => copyBlob(ctx, desc)).then((outcome: BlobOutcome) => {
            result.blobs[outcome]++;
            if (outcome === 'copied') result.bytes += desc.size;
          });
      done.set(desc.digest, p);
    }
    return p;
  };

  const want = opts.platform ?? opts.preferPlatform;
  if (want && isManifestType(root.mediaType)) {
    const { parsed } = await readManifest(root);
    if (parsed.kind === 'index' && (opts.platform || parsed.manifest.manifests.some((d) => platformMatches(want, d.platform)))) {
      result.root = selectPlatform(parsed.manifest, want);
      onEvent({ type: 'platform-selected', platform: want, digest: result.root.digest });
    }
  }
  await visit(result.root);
  return result;
}
