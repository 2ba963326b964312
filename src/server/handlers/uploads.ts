import type { IncomingMessage } from 'node:http';
import { RegistryError } from '../../errors/errors.js';
import { uploadRange, type AppendOptions, type UploadStatus } from '../../storage/upload-sessions.js';
import type { Ctx, Handler } from '../context.js';
import { hasBody, parseChunkRange, sendEmpty } from '../http.js';
import { checkBlobDigest, checkDigest, checkName } from '../validate.js';
import { isTarsumDigest } from '../../digest/digest.js';

function uploadHeaders(ctx: Ctx, st: UploadStatus): Record<string, string> {
  return {
    Location: `/v2/${st.name}/blobs/uploads/${st.id}${ctx.uploadState.query(st.name, st.id, st.size, st.startedAt)}`,
    Range: uploadRange(st.size),
    'Docker-Upload-UUID': st.id,
  };
}

function blobCreated(name: string, digest: string): Record<string, string> {
  return { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest };
}

/** Content-Range (chunk form) and Content-Length must agree; both optional. */
async function chunkOptions(req: IncomingMessage, current: () => Promise<number>): Promise<AppendOptions> {
  const cr = req.headers['content-range'];
  if (cr === undefined) return {};
  const r = parseChunkRange(cr);
  if (!r) {
    const size = await current();
    throw new RegistryError('RANGE_INVALID', `malformed Content-Range "${cr.slice(0, 100)}"`, undefined, { headers: { Range: uploadRange(size) } });
  }
  const length = r.end - r.start + 1;
  const cl = req.headers['content-length'];
  if (cl !== undefined && Number(cl) !== length) {
    throw new RegistryError('SIZE_INVALID', `Content-Length ${cl} does not match Content-Range ${cr.slice(0, 100)}`);
  }
  return { start: r.start, length };
}

/** `POST /v2/<name>/blobs/uploads/`: start an upload, mount (`mount`/`from`) or single-POST (`digest`). */
export const startUpload: Handler = async (ctx) => {
  const { req, res, params, query, storage, emit } = ctx;
  const name = checkName(params.name);
  const mount = query.get('mount');
  if (mount !== null) {
    const digest = checkDigest(mount);
    const from = query.get('from');
    const size = from !== null ? await storage.repoBlobs.size(checkName(from), digest) : await storage.blobs.size(digest);
    if (size !== undefined) {
      await storage.repoBlobs.link(name, digest);
      emit({ action: 'mount', kind: 'blob', repository: name, digest, size, fromRepository: from ?? undefined });
      return sendEmpty(res, 201, blobCreated(name, digest));
    }
  }
  const single = query.get('digest');
  if (single !== null) {
    const digest = checkDigest(single);
    const st = await storage.uploads.create(name);
    try {
      const done = await storage.uploads.finish(name, st.id, digest, req);
      emit({ action: 'push', kind: 'blob', repository: name, digest, size: done.size });
      return sendEmpty(res, 201, blobCreated(name, digest));
    } finally {
      await storage.uploads.cancel(name, st.id).catch(() => undefined);
    }
  }
  const st = await storage.uploads.create(name);
  sendEmpty(res, 202, uploadHeaders(ctx, st));
};

async function session(ctx: Ctx): Promise<{ name: string; uuid: string }> {
  const name = checkName(ctx.params.name);
  const uuid = ctx.params.uuid ?? '';
  ctx.uploadState.verify(ctx.query.get('_state'), name, uuid);
  return { name, uuid };
}

/** `GET`/`HEAD` upload status: 204 with `Range`. */
export const uploadStatus: Handler = async (ctx) => {
  const { name, uuid } = await session(ctx);
  const st = await ctx.storage.uploads.status(name, uuid);
  sendEmpty(ctx.res, 204, uploadHeaders(ctx, st));
};

/** `PATCH`: append data (stream form, or chunk form with `Content-Range`; out of order → 416). */
export const patchUpload: Handler = async (ctx) => {
  const { name, uuid } = await session(ctx);
  const current = async (): Promise<number> => (await ctx.storage.uploads.status(name, uuid)).size;
  const opts = await chunkOptions(ctx.req, current);
  await ctx.storage.uploads.status(name, uuid);
  const st = await ctx.storage.uploads.append(name, uuid, ctx.req, opts);
  sendEmpty(ctx.res, 202, uploadHeaders(ctx, st));
};

/** `PUT ?digest=`: finish, with or without a final body; 201 with the blob's Location. */
export const finishUpload: Handler = async (ctx) => {
  const { name, uuid } = await session(ctx);
  const raw = ctx.query.get('digest');
  if (raw === null) throw new RegistryError('DIGEST_INVALID', 'digest missing', undefined);
  const digest = checkBlobDigest(raw);
  await ctx.storage.uploads.status(name, uuid);
  const current = async (): Promise<number> => (await ctx.storage.uploads.status(name, uuid)).size;
  const body = hasBody(ctx.req);
  const opts = body ? await chunkOptions(ctx.req, current) : {};
  const done = isTarsumDigest(digest)
    ? await (await import('../../legacy/tarsum-upload.js')).finishTarsumUpload(ctx.storage, name, uuid, digest, body ? ctx.req : undefined, opts)
    : await ctx.storage.uploads.finish(name, uuid, digest, body ? ctx.req : undefined, opts);
  ctx.emit({ action: 'push', kind: 'blob', repository: name, digest, size: done.size });
  sendEmpty(ctx.res, 201, blobCreated(name, digest));
};

/** `DELETE`: cancel the upload (204). */
export const cancelUpload: Handler = async (ctx) => {
  const { name, uuid } = await session(ctx);
  await ctx.storage.uploads.cancel(name, uuid);
  sendEmpty(ctx.res, 204);
};
