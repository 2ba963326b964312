import type { Digest } from '../digest/digest.js';

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  data?: string;
  artifactType?: string;
  platform?: Platform;
}

/** OCI image manifest or Docker schema 2 manifest. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** OCI image index or Docker manifest list. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** containerd's annotation for the full image name (`registry/repo:tag`) in an OCI archive's index.json. */
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';

/** Annotation for the tag of a manifest in an OCI layout's index.json. */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
