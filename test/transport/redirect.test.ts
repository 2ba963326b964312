import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { tinyImage } from '../helpers/tiny-image.js';

describe('blob GET redirected to storage (307)', () => {
  const layer = tinyImage([777]).layers[0]!;
  const seen: { registry: IncomingHttpHeaders[]; storage: IncomingHttpHeaders[] } = { registry: [], storage: [] };
  let registry: Server;
  let storage: Server;
  let host = '';
  beforeAll(async () => {
    storage = createServer((req, res) => {
      seen.storage.push(req.headers);
      res.writeHead(200, { 'content-length': String(layer.bytes.length) }).end(layer.bytes);
    });
    await new Promise<void>((r) => storage.listen(0, '127.0.0.1', r));
    const storagePort = (storage.address() as { port: number }).port;
    registry = createServer((req, res) => {
      seen.registry.push(req.headers);
      if (!req.headers.authorization) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      res.writeHead(307, { location: `http://localhost:${storagePort}/bucket/${layer.desc.digest}?sig=abc` }).end();
    });
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(registry.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of [registry, storage]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('follows the redirect and never sends the credentials to the other origin', async () => {
    const repo = new RemoteRepository(host, 'a/b', { creds: 'u:secret', journal: false });
    const chunks: Buffer[] = [];
    for await (const c of await repo.fetch(layer.desc)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(layer.bytes)).toBe(true);
    expect(seen.registry.at(-1)?.authorization).toMatch(/^Basic /);
    expect(seen.storage).toHaveLength(1);
    expect(seen.storage[0]!.authorization).toBeUndefined();
  });
});
