import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { expect } from 'vitest';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const ALL_MANIFESTS = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ');

export const sha = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = unknown>(): T;
  header(name: string): string | undefined;
}

/** A raw HTTP request (no URL normalisation, any method/path/headers/body). */
export function raw(base: string, method: string, path: string, opts: { headers?: Record<string, string | string[]>; body?: Buffer | string } = {}): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
          header: (n) => {
            const v = res.headers[n.toLowerCase()];
            return Array.isArray(v) ? v.join(', ') : v;
          },
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The code of the first error of an envelope. */
export function errorCode(r: RawResponse): string | undefined {
  try {
    return r.json<{ errors: Array<{ code: string }> }>().errors[0]?.code;
  } catch {
    return undefined;
  }
}

export async function pushBlob(base: string, name: string, data: Buffer): Promise<string> {
  const start = await raw(base, 'POST', `/v2/${name}/blobs/uploads/`);
  expect(start.status).toBe(202);
  const loc = new URL(start.header('location')!, base);
  loc.searchParams.set('digest', sha(data));
  const put = await raw(base, 'PUT', loc.pathname + loc.search, { body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  expect(put.status).toBe(201);
  return sha(data);
}

export interface Img {
  config: Buffer;
  layers: Buffer[];
  manifest: Buffer;
  digest: string;
}

/** Build (not push) a small image manifest over random layers. */
export function makeImage(opts: { layers?: number; size?: number; mediaType?: string; extra?: Record<string, unknown>; configType?: string } = {}): Img {
  const mt = opts.mediaType ?? OCI_MANIFEST;
  const docker = mt === DOCKER_MANIFEST;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }));
  const layers = Array.from({ length: opts.layers ?? 1 }, () => randomBytes(opts.size ?? 1000));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: mt,
    config: { mediaType: opts.configType ?? (docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json'), digest: sha(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar', digest: sha(l), size: l.length })),
    ...opts.extra,
  }));
  return { config, layers, manifest, digest: sha(manifest) };
}

/** Push an image's blobs and its manifest under `ref`. */
export async function pushImage(base: string, name: string, img: Img, ref: string, mediaType = OCI_MANIFEST): Promise<RawResponse> {
  await pushBlob(base, name, img.config);
  for (const l of img.layers) await pushBlob(base, name, l);
  return putManifest(base, name, ref, img.manifest, mediaType);
}

export function putManifest(base: string, name: string, ref: string, bytes: Buffer, mediaType = OCI_MANIFEST): Promise<RawResponse> {
  return raw(base, 'PUT', `/v2/${name}/manifests/${ref}`, { body: bytes, headers: { 'Content-Type': mediaType } });
}

export function getManifest(base: string, name: string, ref: string, accept: string = ALL_MANIFESTS, method = 'GET'): Promise<RawResponse> {
  return raw(base, method, `/v2/${name}/manifests/${ref}`, { headers: accept ? { Accept: accept } : {} });
}

/** Build an index/list over manifests. */
export function makeIndex(children: Array<{ digest: string; size: number; mediaType: string; platform?: Record<string, string> }>, mediaType = OCI_INDEX, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: children, ...extra }));
}
