import type { Digest } from '../../digest/digest.js';
import { RegistryError } from '../../errors/errors.js';
import { subjectOf } from '../../oci/manifest.js';
import { MAX_MANIFEST_SIZE } from '../../storage/manifest-store.js';
import type { Handler } from '../context.js';
import { etagMatches, readBody, sendEmpty } from '../http.js';
import { negotiate } from '../negotiate.js';
import { checkName, checkReference, checkTag } from '../validate.js';

/** `GET`/`HEAD /v2/<name>/manifests/<reference>` with Accept negotiation and `If-None-Match`. */
export const getManifest: Handler = async ({ req, res, params, storage, emit }) => {
  const name = checkName(params.name);
  const ref = checkReference(params.reference);
  const digest = 'digest' in ref ? ref.digest : await storage.tags.resolve(name, ref.tag);
  const m = await negotiate(req, await storage.manifests.get(name, digest), 'tag' in ref, (d) => storage.manifests.get(name, d));
  const headers = { 'Docker-Content-Digest': m.digest, ETag: `"${m.digest}"` };
  if (etagMatches(req, m.digest)) return sendEmpty(res, 304, headers);
  res.statusCode = 200;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', m.mediaType);
  res.setHeader('Content-Length', m.bytes.length);
  if (req.method === 'HEAD') return void res.end();
  emit({ action: 'pull', kind: 'manifest', repository: name, digest: m.digest, mediaType: m.mediaType, size: m.bytes.length, tag: 'tag' in ref ? ref.tag : undefined });
  res.end(m.bytes);
};

/** `PUT`: exact bytes stored; by tag or by digest (plus OCI `?tag=`); 201 with `OCI-Subject` when relevant. */
export const putManifest: Handler = async ({ req, res, params, query, storage, emit }) => {
  const name = checkName(params.name);
  const ref = checkReference(params.reference);
  const tags = 'tag' in ref ? [ref.tag] : query.getAll('tag');
  for (const t of tags) checkTag(t);
  const bytes = await readBody(req, MAX_MANIFEST_SIZE, () => new RegistryError('MANIFEST_TOO_BIG', `manifest exceeds ${MAX_MANIFEST_SIZE} bytes`, { limit: MAX_MANIFEST_SIZE }));
  const expected: Digest | undefined = 'digest' in ref ? ref.digest : undefined;
  const stored = await storage.putManifest(name, bytes, req.headers['content-type'], expected, tags, 'tag' in ref ? ref.tag : undefined);
  const headers: Record<string, string> = { Location: `/v2/${name}/manifests/${stored.digest}`, 'Docker-Content-Digest': stored.digest };
  const subject = stored.parsed ? subjectOf(stored.parsed) : undefined;
  if (subject) headers['OCI-Subject'] = subject.digest;
  if ('digest' in ref && tags.length) headers['OCI-Tag'] = tags.join(', ');
  emit({ action: 'push', kind: 'manifest', repository: name, digest: stored.digest, mediaType: stored.mediaType, size: bytes.length, tag: tags[0] });
  sendEmpty(res, 201, headers);
};

/** `DELETE`: by digest removes the revision and every tag pointing at it; by tag removes the tag. */
export const deleteManifest: Handler = async ({ res, params, storage, deleteEnabled, emit }) => {
  const name = checkName(params.name);
  const ref = checkReference(params.reference);
  if (!deleteEnabled) throw new RegistryError('UNSUPPORTED', 'deletion is disabled (storage.delete.enabled)');
  if ('tag' in ref) {
    await storage.tags.untag(name, ref.tag);
    emit({ action: 'delete', kind: 'tag', repository: name, tag: ref.tag });
  } else {
    await storage.deleteManifest(name, ref.digest);
    emit({ action: 'delete', kind: 'manifest', repository: name, digest: ref.digest });
  }
  sendEmpty(res, 202);
};
