import { createHash } from 'node:crypto';
import type { Img } from '../server/util.js';

const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Parse `Bearer realm="…",service="…",scope="…"` into its parameters. */
export function parseChallenge(h: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of h.replace(/^\w+\s+/, '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return out;
}

/**
 * A tiny registry client for tests: Basic creds, or the bearer flow (on a 401 Bearer challenge,
 * GET the realm with the challenge's service and scope, using Basic creds, and retry).
 */
export class TestClient {
  private token: string | undefined;
  constructor(readonly base: string, readonly creds?: { user: string; pass: string }, readonly mode: 'basic' | 'bearer' = 'basic') {}

  private authHeader(): Record<string, string> {
    if (this.mode === 'bearer') return this.token ? { authorization: `Bearer ${this.token}` } : {};
    return this.creds ? { authorization: `Basic ${Buffer.from(`${this.creds.user}:${this.creds.pass}`).toString('base64')}` } : {};
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const go = () => fetch(new URL(path, this.base), { ...init, headers: { ...(init.headers as Record<string, string>), ...this.authHeader() } });
    let r = await go();
    const ch = r.headers.get('www-authenticate');
    if (r.status === 401 && this.mode === 'bearer' && ch?.startsWith('Bearer')) {
      const p = parseChallenge(ch);
      const u = new URL(p.realm!);
      u.searchParams.set('service', p.service!);
      for (const s of (p.scope ?? '').split(' ').filter(Boolean)) u.searchParams.append('scope', s);
      const headers: Record<string, string> = this.creds ? { authorization: `Basic ${Buffer.from(`${this.creds.user}:${this.creds.pass}`).toString('base64')}` } : {};
      const t = await fetch(u, { headers });
      if (t.status !== 200) return r;
      this.token = ((await t.json()) as { token: string }).token;
      await r.body?.cancel();
      r = await go();
    }
    return r;
  }

  async pushBlob(name: string, data: Buffer, skipExisting = false): Promise<number> {
    if (skipExisting) {
      const h = await this.fetch(`/v2/${name}/blobs/${sha(data)}`, { method: 'HEAD' });
      if (h.status === 200) return 200;
    }
    const start = await this.fetch(`/v2/${name}/blobs/uploads/`, { method: 'POST' });
    await start.body?.cancel();
    if (start.status !== 202) return start.status;
    const loc = new URL(start.headers.get('location')!, this.base);
    loc.searchParams.set('digest', sha(data));
    const put = await this.fetch(loc.pathname + loc.search, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
    await put.body?.cancel();
    return put.status;
  }

  /** Push an image; the status of the manifest PUT (or of the first failing blob step). */
  async pushImage(name: string, img: Img, ref: string, skipExisting = false): Promise<number> {
    for (const b of [img.config, ...img.layers]) {
      const s = await this.pushBlob(name, b, skipExisting);
      if (s !== 201 && s !== 200) return s;
    }
    const r = await this.fetch(`/v2/${name}/manifests/${ref}`, { method: 'PUT', body: img.manifest, headers: { 'content-type': OCI_MANIFEST } });
    await r.body?.cancel();
    return r.status;
  }

  /** Pull an image by tag and check every blob's digest; true when complete. */
  async pullImage(name: string, ref: string): Promise<boolean> {
    const m = await this.fetch(`/v2/${name}/manifests/${ref}`, { headers: { accept: OCI_MANIFEST } });
    if (m.status !== 200) return false;
    const man = (await m.json()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    for (const d of [man.config.digest, ...man.layers.map((l) => l.digest)]) {
      const b = await this.fetch(`/v2/${name}/blobs/${d}`);
      if (b.status !== 200 || sha(Buffer.from(await b.arrayBuffer())) !== d) return false;
    }
    return true;
  }
}
