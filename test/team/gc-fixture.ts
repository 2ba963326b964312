import { randomBytes } from 'node:crypto';
import { digestOf, type Digest } from '../../src/digest/digest.js';
import type { StorageDriver } from '../../src/storage/driver/driver.js';
import { paths } from '../../src/storage/paths.js';

/** Write data directories in distribution's layout directly (test fixtures for GC). */
export async function putBlob(driver: StorageDriver, data: Uint8Array): Promise<Digest> {
  const d = digestOf(data);
  await driver.putContent(paths.blobData(d), data);
  return d;
}

async function link(driver: StorageDriver, path: string, d: Digest): Promise<void> {
  await driver.putContent(path, Buffer.from(d));
}

export interface FixtureImage { manifest: Digest; config: Digest; layers: Digest[]; bytes: Buffer }

/** Push an OCI image: blobs, `_layers` links, the manifest revision and (optionally) a tag. */
export async function putImage(driver: StorageDriver, repo: string, tag: string | undefined, opts: { layers?: Uint8Array[]; subject?: { digest: Digest; size: number } } = {}): Promise<FixtureImage> {
  const layerData = opts.layers ?? [randomBytes(64)];
  const layers: Digest[] = [];
  for (const l of layerData) {
    const d = await putBlob(driver, l);
    await link(driver, paths.layerLink(repo, d), d);
    layers.push(d);
  }
  const cfgBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rand: randomBytes(8).toString('hex') }));
  const config = await putBlob(driver, cfgBytes);
  await link(driver, paths.layerLink(repo, config), config);
  const m: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: cfgBytes.length },
    layers: layers.map((d, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d, size: layerData[i]!.length })),
  };
  if (opts.subject) m.subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...opts.subject };
  const bytes = Buffer.from(JSON.stringify(m));
  const manifest = await putManifest(driver, repo, tag, bytes);
  return { manifest, config, layers, bytes };
}

export async function putManifest(driver: StorageDriver, repo: string, tag: string | undefined, bytes: Buffer): Promise<Digest> {
  const manifest = await putBlob(driver, bytes);
  await link(driver, paths.revisionLink(repo, manifest), manifest);
  if (tag) {
    await link(driver, paths.tagIndexLink(repo, tag, manifest), manifest);
    await link(driver, paths.tagCurrent(repo, tag), manifest);
  }
  return manifest;
}

/** An OCI index over `children` (already pushed manifests). */
export async function putIndex(driver: StorageDriver, repo: string, tag: string, children: FixtureImage[]): Promise<Digest> {
  const idx = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: children.map((c) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: c.manifest, size: c.bytes.length, platform: { os: 'linux', architecture: 'amd64' } })),
  };
  return putManifest(driver, repo, tag, Buffer.from(JSON.stringify(idx)));
}

/** What the API's manifest DELETE does: remove the revision link and the tags pointing at it. */
export async function deleteManifest(driver: StorageDriver, repo: string, d: Digest, tags: string[] = []): Promise<void> {
  await driver.delete(paths.revisionDir(repo, d));
  for (const t of tags) await driver.delete(paths.tagDir(repo, t));
}

export async function blobExists(driver: StorageDriver, d: Digest): Promise<boolean> {
  return driver.stat(paths.blobData(d)).then(() => true, () => false);
}
