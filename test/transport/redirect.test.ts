import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { shared } from '../helpers/fixture.js';
import { startHttpServer } from '../helpers/http-server.js';
import { tinyImage } from '../helpers/tiny-image.js';

describe('blob GET redirected to storage (307)', () => {
  const layer = tinyImage([777]).layers[0]!;
  const seen: { registry: IncomingHttpHeaders[]; storage: IncomingHttpHeaders[] } = { registry: [], storage: [] };
  const storage = shared(() => startHttpServer((req, res) => {
    seen.storage.push(req.headers);
    res.writeHead(200, { 'content-length': String(layer.bytes.length) }).end(layer.bytes);
  }));
  // the registry redirects to another origin (localhost, not 127.0.0.1): credentials must not follow
  const registry = shared(() => startHttpServer((req, res) => {
    seen.registry.push(req.headers);
    if (!req.headers.authorization) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
    res.writeHead(307, { location: `http://localhost:${new URL(storage.url).port}/bucket/${layer.desc.digest}?sig=abc` }).end();
  }));

  it('follows the redirect and never sends the credentials to the other origin', async () => {
    const repo = new RemoteRepository(registry.host, 'a/b', { creds: 'u:secret', journal: false });
    const chunks: Buffer[] = [];
    for await (const c of await repo.fetch(layer.desc)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(layer.bytes)).toBe(true);
    expect(seen.registry.at(-1)?.authorization).toMatch(/^Basic /);
    expect(seen.storage).toHaveLength(1);
    expect(seen.storage[0]!.authorization).toBeUndefined();
  });
});
