/**
 * `dist/content`: content stores behind one Target interface — OCI image layouts, docker-archive
 * and OCI archive tarballs, an in-memory store — and the verifying helpers they share.
 *
 *   import { OciLayout, openLocalSource } from 'dist/content';
 *   const layout = await OciLayout.open('./app');
 */
export type { Fetcher, FetchOptions, Pusher, PushOptions, Resolver, Tagger, ReadOnlyTarget, Target, Mounter, Ingester, Located } from '../content/target.js';
export { MAX_MANIFEST_BYTES } from '../content/target.js';
export { OciLayout } from '../content/layout/oci-layout.js';
export { LayoutReader, isLayout } from '../content/layout/reader.js';
export { MemoryStore } from '../content/memory.js';
export { ArchiveWriter, type ArchiveFormat } from '../content/archive/archive-writer.js';
export { DockerArchiveReader, type ArchiveImage } from '../content/archive/docker-archive-reader.js';
export { TarSource } from '../content/tar/tar-source.js';
export { openLocalSource, openLocalDestination, parseLocalSpec, isLocalSpec, outputFormat, type LocalFormat, type LocalSpec } from '../content/local.js';
export { VerifyingFetcher, verified } from '../content/verify.js';
export { readCapped, fetchBytes } from '../content/read.js';
