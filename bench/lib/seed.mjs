// Put an image into a registry data directory (distribution 2.8's filesystem layout, which both
// docker-registry and dist serve read) without any client: blobs are hard-linked from the OCI layout.
import { copyFileSync, existsSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const V2 = ['docker', 'registry', 'v2'];

function put(root, rel, text) {
  const p = join(root, ...V2, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

function putBlob(root, digest, source) {
  const hex = digest.slice(7);
  const p = join(root, ...V2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
  if (existsSync(p)) return;
  mkdirSync(dirname(p), { recursive: true });
  try { linkSync(source, p); } catch { copyFileSync(source, p); }
}

/** Make `repo:tag` hold `image` (from image.mjs) in the registry rooted at `root` (rootdirectory). */
export function seedRegistry(root, repo, image) {
  for (const b of image.blobs) {
    putBlob(root, b.digest, b.path);
    put(root, `repositories/${repo}/_layers/sha256/${b.digest.slice(7)}/link`, b.digest);
  }
  const m = image.manifestDigest;
  putBlob(root, m, image.manifestPath);
  put(root, `repositories/${repo}/_manifests/revisions/sha256/${m.slice(7)}/link`, m);
  put(root, `repositories/${repo}/_manifests/tags/${image.tag}/current/link`, m);
  put(root, `repositories/${repo}/_manifests/tags/${image.tag}/index/sha256/${m.slice(7)}/link`, m);
}
