import type { Handler } from './context.js';
import { getBase } from './handlers/base.js';
import { deleteBlob, getBlob } from './handlers/blobs.js';
import { listCatalog } from './handlers/catalog.js';
import { deleteManifest, getManifest, putManifest } from './handlers/manifests.js';
import { listReferrers } from './handlers/referrers.js';
import { listTags } from './handlers/tags.js';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './handlers/uploads.js';
import type { RouteName } from './router.js';

/** Route × method → handler. */
export const HANDLERS: Record<RouteName, Partial<Record<string, Handler>>> = {
  base: { GET: getBase, HEAD: getBase },
  catalog: { GET: listCatalog },
  tags: { GET: listTags },
  manifest: { GET: getManifest, HEAD: getManifest, PUT: putManifest, DELETE: deleteManifest },
  referrers: { GET: listReferrers },
  uploadChunk: { GET: uploadStatus, HEAD: uploadStatus, PATCH: patchUpload, PUT: finishUpload, DELETE: cancelUpload },
  upload: { POST: startUpload },
  blob: { GET: getBlob, HEAD: getBlob, DELETE: deleteBlob },
};

/** Methods that change state (refused in read-only mode). */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
