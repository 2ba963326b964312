import type { Digest } from '../../digest/digest.js';
import { parseManifest, referencedDescriptors, subjectOf } from '../../oci/manifest.js';
import type { StorageDriver } from '../driver/driver.js';
import { isNotFound, readLink } from '../links.js';
import { paths } from '../paths.js';
import { lenientReferences } from './lenient-refs.js';
import { listRepositories, manifestRevisions, tagCurrents } from './walk.js';

export interface ManifestDeletion {
  repo: string;
  digest: Digest;
  /** Every tag of the repo (their `index/` history may mention the manifest). */
  tags: string[];
  /** What the manifest references (kept alive if the manifest itself ends up kept). */
  refs: Digest[];
}

export interface MarkResult {
  marked: Set<Digest>;
  manifests: ManifestDeletion[];
}

type Emit = (line: string) => void;
const MAX_MANIFEST = 4 * 1024 * 1024;

/**
 * What a stored manifest references (config, layers, index children, schema 1 fsLayers) and its subject.
 * A manifest the strict parser refuses is read leniently (every `digest` it names is kept); one whose
 * blob is missing or not JSON references nothing GC can know (a warning). Any other read error stops
 * GC before it deletes anything: sweeping without knowing what a manifest uses could delete it.
 */
async function references(driver: StorageDriver, repo: string, digest: Digest, emit: Emit): Promise<{ refs: Digest[]; subject?: Digest } | undefined> {
  let bytes: Buffer;
  try {
    const st = await driver.stat(paths.blobData(digest));
    if (st.size > MAX_MANIFEST) throw new Error(`larger than ${MAX_MANIFEST} bytes`);
    bytes = await driver.getContent(paths.blobData(digest));
  } catch (e) {
    if (isNotFound(e)) {
      emit(`warning: cannot read manifest ${digest}: blob missing`);
      return undefined;
    }
    throw new Error(`gc: cannot read manifest ${digest} of ${repo} (${(e as Error).message}); nothing was deleted: fix or remove its revision, then rerun`, { cause: e });
  }
  try {
    const p = parseManifest(bytes);
    if (p.kind === 'schema1') {
      const fs = (p.manifest.fsLayers ?? []) as Array<{ blobSum?: string }>;
      return { refs: fs.map((l) => l.blobSum).filter((d): d is Digest => typeof d === 'string') };
    }
    return { refs: referencedDescriptors(p).map((d) => d.digest), subject: subjectOf(p)?.digest };
  } catch (e) {
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      emit(`warning: cannot read manifest ${digest}: not JSON`);
      return undefined;
    }
    emit(`warning: manifest ${digest} of ${repo}: ${(e as Error).message}; keeping every digest it names`);
    return lenientReferences(doc);
  }
}

/**
 * Mark (distribution's garbage-collect): every manifest revision of every repository and what it
 * references. With `deleteUntagged`, a manifest no tag points at is queued for deletion instead,
 * unless it is kept alive by an index that is kept (recursion into index children, as v3 does)
 * or it is a referrer whose `subject` is kept (OCI 1.1).
 */
export async function mark(driver: StorageDriver, opts: { deleteUntagged?: boolean; emit?: Emit } = {}): Promise<MarkResult> {
  const emit = opts.emit ?? (() => {});
  const marked = new Set<Digest>();
  const manifests: ManifestDeletion[] = [];
  for (const repo of await listRepositories(driver)) {
    const revisions = await manifestRevisions(driver, repo);
    const tags = opts.deleteUntagged ? await tagCurrents(driver, repo) : undefined;
    const tagged = new Set(tags?.values() ?? []);
    const cache = new Map<Digest, Awaited<ReturnType<typeof references>>>();
    const refsOf = async (d: Digest) => {
      if (!cache.has(d)) cache.set(d, await references(driver, repo, d, emit));
      return cache.get(d);
    };
    const keep = new Set<Digest>();
    const markManifest = async (d: Digest): Promise<void> => {
      if (keep.has(d)) return;
      keep.add(d);
      emit(`${repo}: marking manifest ${d}`);
      marked.add(d);
      const r = await refsOf(d);
      for (const ref of r?.refs ?? []) {
        emit(`${repo}: marking blob ${ref}`);
        marked.add(ref);
        if (ref.startsWith('tarsum')) {
          // a legacy tarsum blobSum: the repository's alias link names the stored (sha256) blob
          const canonical = await readLink(driver, paths.layerLink(repo, ref)).catch(() => undefined);
          if (canonical) marked.add(canonical as Digest);
        }
        if (opts.deleteUntagged && revisions.includes(ref)) await markManifest(ref);
      }
    };
    const roots = opts.deleteUntagged ? revisions.filter((d) => tagged.has(d)) : revisions;
    for (const d of roots) await markManifest(d);
    if (!opts.deleteUntagged) continue;
    // referrers of kept manifests stay (to a fixpoint: a referrer of a referrer too)
    for (let changed = true; changed; ) {
      changed = false;
      for (const d of revisions) {
        if (keep.has(d)) continue;
        const s = (await refsOf(d))?.subject;
        if (s && keep.has(s)) { await markManifest(d); changed = true; }
      }
    }
    const allTags = [...(tags?.keys() ?? [])];
    for (const d of revisions) {
      if (keep.has(d)) continue;
      emit(`manifest eligible for deletion: ${d}`);
      manifests.push({ repo, digest: d, tags: allTags, refs: (await refsOf(d))?.refs ?? [] });
    }
  }
  return { marked, manifests };
}
