// Test images: OCI layouts of incompressible gzip layers, written once and cached under the work dir.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

const CHUNK = 4 * 1024 * 1024;
export const LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

function tarHeader(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148); // checksum placeholder
  h.write('0', 156); h.write('ustar\0', 257); h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/**
 * Write one layer: a tar holding `size` bytes of AES-CTR keystream (incompressible), gzip'd at level 0
 * (a valid gzip that skopeo will not re-compress). Returns its descriptor, diffID and blob path.
 */
async function writeLayer(blobsDir, size) {
  const tmp = join(blobsDir, `.tmp-${randomBytes(6).toString('hex')}`);
  const out = createWriteStream(tmp);
  const gz = createGzip({ level: 0, chunkSize: 1 << 20 });
  const digest = createHash('sha256');
  const diff = createHash('sha256');
  let compressed = 0;
  gz.on('data', (d) => { digest.update(d); compressed += d.length; if (!out.write(d)) { gz.pause(); out.once('drain', () => gz.resume()); } });
  const gzEnd = once(gz, 'end');
  const feed = async (buf) => { diff.update(buf); if (!gz.write(buf)) await once(gz, 'drain'); };
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  const zeros = Buffer.alloc(CHUNK);
  await feed(tarHeader('data.bin', size));
  for (let left = size; left > 0; left -= CHUNK) await feed(cipher.update(left >= CHUNK ? zeros : zeros.subarray(0, left)));
  await feed(Buffer.alloc((512 - (size % 512)) % 512 + 1024));
  gz.end();
  await gzEnd;
  out.end();
  await once(out, 'close');
  const hex = digest.digest('hex');
  renameSync(tmp, join(blobsDir, hex));
  return { desc: { mediaType: LAYER_GZIP, digest: `sha256:${hex}`, size: compressed }, diffId: `sha256:${diff.digest('hex')}` };
}

function writeBlob(blobsDir, bytes) {
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(blobsDir, hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/**
 * An OCI image layout at `dir` tagged `tag`, with `layers` layers of `layerSize` random bytes each.
 * Reused when a previous run left one with the same parameters. Returns
 * { dir, tag, manifest, manifestDigest, manifestBytes, blobs: [{digest,size,path}], bytes }.
 */
export async function ensureImage(dir, { layers, layerSize, tag = 'latest', label = '' }) {
  const metaPath = join(dir, 'bench-image.json');
  const want = { layers, layerSize, tag, label, v: 1 };
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    if (JSON.stringify(meta.want) === JSON.stringify(want)) return describe(dir, meta.image);
  }
  rmSync(dir, { recursive: true, force: true });
  const blobsDir = join(dir, 'blobs', 'sha256');
  mkdirSync(blobsDir, { recursive: true });
  const made = [];
  for (let i = 0; i < layers; i++) made.push(await writeLayer(blobsDir, layerSize));
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Labels: { 'dist.bench': label || randomBytes(8).toString('hex') } },
    rootfs: { type: 'layers', diff_ids: made.map((m) => m.diffId) },
  }));
  const cfg = { mediaType: OCI_CONFIG, ...writeBlob(blobsDir, config) };
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: cfg, layers: made.map((m) => m.desc) };
  const mBytes = Buffer.from(JSON.stringify(manifest));
  const m = writeBlob(blobsDir, mBytes);
  const index = { schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, ...m, annotations: { 'org.opencontainers.image.ref.name': tag } }] };
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  const image = { tag, manifestDigest: m.digest };
  writeFileSync(metaPath, JSON.stringify({ want, image }));
  return describe(dir, image);
}

function describe(dir, { tag, manifestDigest }) {
  const blobPath = (d) => join(dir, 'blobs', 'sha256', d.slice(7));
  const manifestBytes = readFileSync(blobPath(manifestDigest));
  const manifest = JSON.parse(manifestBytes.toString('utf8'));
  const blobs = [manifest.config, ...manifest.layers].map((d) => ({ digest: d.digest, size: d.size, path: blobPath(d.digest) }));
  const bytes = blobs.reduce((n, b) => n + b.size, 0) + manifestBytes.length;
  return { dir, tag, manifest, manifestDigest, manifestBytes, manifestPath: blobPath(manifestDigest), blobs, bytes };
}
