/**
 * The only place storage paths are built. The layout is distribution 2.8's, so a data directory
 * is interchangeable between `dist serve` and `docker-registry`:
 *
 *   /docker/registry/v2/
 *     blobs/<alg>/<hex[0:2]>/<hex>/data                          blob bytes (layers, configs, manifests)
 *     repositories/<name>/
 *       _layers/<alg>/<hex>/link                                 blob linked into the repo
 *       _manifests/revisions/<alg>/<hex>/link                    manifest revision
 *       _manifests/tags/<tag>/current/link                       tag → manifest digest
 *       _manifests/tags/<tag>/index/<alg>/<hex>/link             every revision the tag pointed at
 *       _uploads/<id>/data                                       bytes received so far
 *       _uploads/<id>/startedat                                  RFC 3339 start time
 *       _uploads/<id>/hashstates/<alg>/<offset>                  (distribution's; ignored here)
 *
 * `<alg>` is the algorithm with `+ . ;` turned into `/` (so `tarsum.v1+sha256` → `tarsum/v1/sha256`).
 * Callers pass names, tags and digests already validated by the spec grammars; the driver
 * re-checks every path, so nothing can escape the root.
 */
export const ROOT = '/docker/registry/v2';

function algPath(digest: string): { alg: string; hex: string } {
  const i = digest.indexOf(':');
  let alg = digest.slice(0, i);
  if (alg.startsWith('tarsum') && !alg.startsWith('tarsum.')) alg = alg.replace(/^tarsum/, 'tarsum.v0');
  return { alg: alg.replace(/[+.;]/g, '/'), hex: digest.slice(i + 1) };
}

export const paths = {
  root: ROOT,
  blobsRoot: `${ROOT}/blobs`,
  reposRoot: `${ROOT}/repositories`,
  blobDir(digest: string): string {
    const { alg, hex } = algPath(digest);
    return `${ROOT}/blobs/${alg}/${hex.slice(0, 2)}/${hex}`;
  },
  blobData(digest: string): string {
    return `${paths.blobDir(digest)}/data`;
  },
  repo(name: string): string {
    return `${ROOT}/repositories/${name}`;
  },
  layersDir(name: string): string {
    return `${paths.repo(name)}/_layers`;
  },
  layerLink(name: string, digest: string): string {
    const { alg, hex } = algPath(digest);
    return `${paths.repo(name)}/_layers/${alg}/${hex}/link`;
  },
  manifestsDir(name: string): string {
    return `${paths.repo(name)}/_manifests`;
  },
  revisionsDir(name: string): string {
    return `${paths.repo(name)}/_manifests/revisions`;
  },
  /** `revisions/<alg>` (to list the revisions of one algorithm). */
  revisionsAlgDir(name: string, alg: string): string {
    return `${paths.revisionsDir(name)}/${alg}`;
  },
  revisionDir(name: string, digest: string): string {
    const { alg, hex } = algPath(digest);
    return `${paths.repo(name)}/_manifests/revisions/${alg}/${hex}`;
  },
  revisionLink(name: string, digest: string): string {
    return `${paths.revisionDir(name, digest)}/link`;
  },
  /** rc.1 / schema 1: one link per detached JWS signature blob. */
  signatureLink(name: string, manifest: string, signature: string): string {
    const s = algPath(signature);
    return `${paths.revisionDir(name, manifest)}/signatures/${s.alg}/${s.hex}/link`;
  },
  tagsDir(name: string): string {
    return `${paths.repo(name)}/_manifests/tags`;
  },
  tagDir(name: string, tag: string): string {
    return `${paths.tagsDir(name)}/${tag}`;
  },
  tagCurrent(name: string, tag: string): string {
    return `${paths.tagDir(name, tag)}/current/link`;
  },
  tagIndexLink(name: string, tag: string, digest: string): string {
    const { alg, hex } = algPath(digest);
    return `${paths.tagDir(name, tag)}/index/${alg}/${hex}/link`;
  },
  uploadsDir(name: string): string {
    return `${paths.repo(name)}/_uploads`;
  },
  uploadDir(name: string, id: string): string {
    return `${paths.uploadsDir(name)}/${id}`;
  },
  uploadData(name: string, id: string): string {
    return `${paths.uploadDir(name, id)}/data`;
  },
  uploadStartedAt(name: string, id: string): string {
    return `${paths.uploadDir(name, id)}/startedat`;
  },
} as const;
