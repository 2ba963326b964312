import { isDigest } from '../../digest/digest.js';
import { parseManifest } from '../../oci/manifest.js';
import { MediaType } from '../../oci/mediatypes.js';
import { ANNOTATION_REF_NAME, type Descriptor, type ImageIndex, ANNOTATION_IMAGE_NAME } from '../../oci/types.js';
import { blobName, LAYOUT_VERSION } from '../layout/paths.js';
import type { ArchiveFormat } from './archive-writer.js';
import type { DockerSaveEntry } from './docker-manifest-json.js';

export interface TaggedRoot {
  desc: Descriptor;
  reference: string;
}

/** Split `registry/repo:tag` → ['registry/repo', 'tag']; a bare tag → [undefined, tag]. */
export function splitNameTag(ref: string): [string | undefined, string] {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/') && colon > 0) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [undefined, ref];
}

/** The metadata files that finish an archive, in write order. */
export function archiveMetadata(format: ArchiveFormat, roots: TaggedRoot[], manifests: Map<string, Buffer>): Array<[string, Buffer]> {
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
  for (const { desc, reference } of roots) {
    const entry: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
    if (desc.artifactType) entry.artifactType = desc.artifactType; // a referrer, as in a layout's index.json
    if (reference && !isDigest(reference)) {
      const [name, tag] = splitNameTag(reference);
      entry.annotations = { [ANNOTATION_REF_NAME]: tag, ...(name ? { [ANNOTATION_IMAGE_NAME]: reference } : {}) };
    }
    index.manifests.push(entry);
  }
  const files: Array<[string, Buffer]> = [
    ['oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }))],
    ['index.json', Buffer.from(JSON.stringify(index))],
  ];
  if (format === 'docker-archive') {
    const entries: DockerSaveEntry[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const { desc, reference } of roots) {
      const images = imageManifests(desc, manifests);
      images.forEach((m, i) => {
        const repoTags = i === 0 && reference && !isDigest(reference) && splitNameTag(reference)[0] ? [reference] : [];
        entries.push({ Config: blobName(m.config.digest), RepoTags: repoTags, Layers: m.layers.map((l) => blobName(l.digest)) });
        const [name, tag] = splitNameTag(reference);
        const top = m.layers.at(-1);
        if (repoTags.length && name && top) (repositories[name] ??= {})[tag] = top.digest.slice(top.digest.indexOf(':') + 1);
      });
    }
    files.push(['manifest.json', Buffer.from(JSON.stringify(entries))], ['repositories', Buffer.from(JSON.stringify(repositories))]);
  }
  return files;
}

/** The image manifests below a root (the root itself, or the entries of an index we wrote). */
function imageManifests(desc: Descriptor, manifests: Map<string, Buffer>): Array<{ config: Descriptor; layers: Descriptor[] }> {
  const bytes = manifests.get(desc.digest);
  if (!bytes) return [];
  const p = parseManifest(bytes, desc.mediaType);
  if (p.kind === 'image') return [{ config: p.manifest.config, layers: p.manifest.layers }];
  if (p.kind === 'index') return p.manifest.manifests.flatMap((d) => imageManifests(d, manifests));
  return [];
}
