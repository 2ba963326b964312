import { pipeline, type Readable } from 'node:stream';
import type { Digest } from '../digest/digest.js';
import { VerifyingStream } from '../digest/digester.js';
import { RegistryError } from '../errors/errors.js';
import { DirectBody } from '../transport/direct-body.js';
import type { Descriptor } from '../oci/types.js';
import { discard, header } from '../transport/types.js';
import type { RepoContext } from './context.js';
import { responseError } from './errors.js';
import { resolveLocation, routes } from './routes.js';

export interface OpenedBlob {
  body: Readable;
  /** Where `body` starts in the blob (0 when the registry ignored the Range). */
  offset: number;
  /** Total blob size, when the registry said. */
  size?: number;
}

/** Smaller blobs (configs, small layers) stay on undici's kept-alive connections. */
const DIRECT_MIN_BYTES = 1024 * 1024;

const pullScopes = (ctx: RepoContext): string[] => [`repository:${ctx.repository}:pull`];

/** Blob endpoints: HEAD, GET (optionally from an offset), verified fetch, DELETE. */
export class BlobClient {
  constructor(private readonly ctx: RepoContext) {}

  /** Size and digest of a blob, or undefined when the repository does not have it. */
  async stat(digest: Digest, signal?: AbortSignal): Promise<Descriptor | undefined> {
    const res = await this.ctx.send({ method: 'HEAD', url: routes.blob(this.ctx.origin, this.ctx.repository, digest), scopes: pullScopes(this.ctx), signal });
    if (res.status === 404) return void (await discard(res));
    if (res.status !== 200) throw await responseError(res, `blob ${digest}`, 'BLOB_UNKNOWN');
    await discard(res);
    const len = Number(header(res, 'content-length'));
    return { mediaType: 'application/octet-stream', digest, size: Number.isSafeInteger(len) ? len : -1 };
  }

  /** Raw blob bytes from `offset` (Range request). NOT verified: use `fetch` unless resuming. */
  /** `size`, when known, says whether the bytes are worth a connection of their own (direct-get.ts). */
  async open(digest: Digest, opts: { offset?: number; signal?: AbortSignal; size?: number } = {}): Promise<OpenedBlob> {
    const offset = opts.offset ?? 0;
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const res = await this.ctx.send({ method: 'GET', url: routes.blob(this.ctx.origin, this.ctx.repository, digest), headers, scopes: pullScopes(this.ctx), signal: opts.signal, bulk: (opts.size ?? Infinity) - offset >= DIRECT_MIN_BYTES });
    if (res.status === 206) {
      const m = /^bytes\s+(\d+)-\d+\/(\d+|\*)$/.exec(header(res, 'content-range') ?? '');
      // without a Content-Range nobody knows where the body starts: never append it to a partial file
      if (!m && offset > 0) {
        res.body.destroy();
        throw new RegistryError('RANGE_INVALID', `blob ${digest}: registry answered 206 without a usable Content-Range (asked from offset ${offset})`);
      }
      const start = m ? Number(m[1]) : 0;
      if (start !== offset) {
        res.body.destroy();
        throw new RegistryError('RANGE_INVALID', `blob ${digest}: asked for offset ${offset}, got ${start}`);
      }
      return { body: res.body, offset, size: m && m[2] !== '*' ? Number(m[2]) : undefined };
    }
    if (res.status === 200) {
      const len = Number(header(res, 'content-length'));
      return { body: res.body, offset: 0, size: Number.isSafeInteger(len) ? len : undefined };
    }
    throw await responseError(res, `blob ${digest}`, 'BLOB_UNKNOWN');
  }

  /** The whole blob, verified against `desc` (size and digest) while it streams. */
  async fetch(desc: Descriptor, opts: { signal?: AbortSignal } = {}): Promise<Readable> {
    const { body } = await this.open(desc.digest, { signal: opts.signal, size: desc.size });
    const check = { digest: desc.digest, size: desc.size, what: `blob ${desc.digest}` };
    // read off the socket directly: it checks in place, so a layout can drain it without a stream hop
    if (body instanceof DirectBody) return body.verify(check);
    return pipeline(body, new VerifyingStream(check), () => { /* errors surface on the VerifyingStream */ });
  }

  /** Unlink a blob from the repository (202). */
  async delete(digest: Digest): Promise<void> {
    const res = await this.ctx.send({ method: 'DELETE', url: routes.blob(this.ctx.origin, this.ctx.repository, digest), scopes: [`repository:${this.ctx.repository}:delete`] });
    if (res.status !== 202 && res.status !== 200 && res.status !== 204) throw await responseError(res, `delete blob ${digest}`, 'BLOB_UNKNOWN');
    await discard(res);
  }

  /**
   * Cross-repository mount (`POST ?mount=&from=`). True when the registry linked the blob (201);
   * false when it started an upload instead (that session is cancelled).
   */
  async mount(desc: Descriptor, from: string): Promise<boolean> {
    const url = routes.uploads(this.ctx.origin, this.ctx.repository);
    url.searchParams.set('mount', desc.digest);
    url.searchParams.set('from', from);
    const scopes = [`repository:${this.ctx.repository}:pull,push`, `repository:${from}:pull`];
    const res = await this.ctx.send({ method: 'POST', url, headers: { 'content-length': '0' }, scopes });
    if (res.status === 201) {
      await discard(res);
      return true;
    }
    if (res.status === 202) {
      await discard(res);
      const loc = header(res, 'location');
      if (loc) {
        // best effort: a session the registry cannot name is left to expire
        const del = await Promise.resolve().then(() => this.ctx.send({ method: 'DELETE', url: resolveLocation(loc, url), scopes })).catch(() => undefined);
        if (del) await discard(del);
      }
      return false;
    }
    throw await responseError(res, `mount ${desc.digest} from ${from}`, 'BLOB_UNKNOWN');
  }
}
