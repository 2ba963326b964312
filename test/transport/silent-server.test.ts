import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { TransportError } from '../../src/errors/errors.js';
import { undiciHandler } from '../../src/transport/base.js';

describe('a registry that accepts a request and never answers', () => {
  it("fails with undici's timeout code and a hint naming --timeout", async () => {
    const sockets: Socket[] = [];
    const server = createServer((s) => void sockets.push(s)); // reads nothing, answers nothing
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const agent = new Agent({ headersTimeout: 200 }); // undici's default is 300 s
    try {
      const err = await undiciHandler(agent)({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/v2/`), headers: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect((err as Error).message).toContain('UND_ERR_HEADERS_TIMEOUT');
      expect((err as { hint?: string }).hint).toMatch(/never answered; try again, or set --timeout/);
    } finally {
      await agent.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
