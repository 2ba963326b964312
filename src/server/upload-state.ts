import { createHmac, timingSafeEqual } from 'node:crypto';
import { RegistryError } from '../errors/errors.js';

/**
 * The optional `_state` query parameter of upload Locations: base64url(HMAC-SHA256(secret, J) || J)
 * with J = `{"Name","UUID","Offset","StartedAt"}` as distribution writes it. It is only emitted when
 * `http.secret` is configured, and never required: the session state lives on disk.
 */
export class UploadState {
  constructor(private readonly secret?: string) {}

  /** Query string (with leading `?`) to append to an upload Location; empty without a secret. */
  query(name: string, uuid: string, offset: number, startedAt: string): string {
    if (!this.secret) return '';
    const json = Buffer.from(JSON.stringify({ Name: name, UUID: uuid, Offset: offset, StartedAt: startedAt }));
    const mac = createHmac('sha256', this.secret).update(json).digest();
    return `?_state=${Buffer.concat([mac, json]).toString('base64url')}`;
  }

  /** Check a `_state` the client sent back (when present): HMAC, repository and upload id. */
  verify(state: string | null, name: string, uuid: string): void {
    if (state === null || !this.secret) return;
    const bad = (): RegistryError => new RegistryError('BLOB_UPLOAD_INVALID', 'blob upload invalid: bad _state');
    const raw = Buffer.from(state.replace(/=+$/, ''), 'base64url');
    if (raw.length <= 32) throw bad();
    const mac = raw.subarray(0, 32);
    const json = raw.subarray(32);
    const want = createHmac('sha256', this.secret).update(json).digest();
    if (!timingSafeEqual(mac, want)) throw bad();
    let v: { Name?: unknown; UUID?: unknown };
    try {
      v = JSON.parse(json.toString('utf8')) as { Name?: unknown; UUID?: unknown };
    } catch {
      throw bad();
    }
    if (v.Name !== name || v.UUID !== uuid) throw bad();
  }
}
