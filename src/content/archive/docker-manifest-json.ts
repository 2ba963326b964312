import { DistError } from '../../errors/errors.js';

/** One entry of a `docker save` manifest.json. */
export interface DockerSaveEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  LayerSources?: Record<string, unknown>;
}

export const DOCKER_MANIFEST_FILE = 'manifest.json';
export const DOCKER_REPOSITORIES_FILE = 'repositories';

export function parseDockerSaveManifest(bytes: Buffer, where: string): DockerSaveEntry[] {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new DistError('ARCHIVE_INVALID', `${where}: manifest.json is not valid JSON`);
  }
  if (!Array.isArray(v)) throw new DistError('ARCHIVE_INVALID', `${where}: manifest.json is not an array`);
  return v.map((e, i) => {
    const o = e as Partial<DockerSaveEntry> | null;
    if (!o || typeof o.Config !== 'string' || !Array.isArray(o.Layers) || !o.Layers.every((l) => typeof l === 'string')) {
      throw new DistError('ARCHIVE_INVALID', `${where}: manifest.json entry ${i} lacks Config or Layers`);
    }
    return { Config: o.Config, RepoTags: Array.isArray(o.RepoTags) ? o.RepoTags.filter((t) => typeof t === 'string') : [], Layers: o.Layers };
  });
}
