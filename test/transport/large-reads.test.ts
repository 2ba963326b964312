import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, undiciHandler } from '../../src/transport/base.js';
import { SOCKET_READ_BYTES } from '../../src/transport/large-reads.js';

// Plain-HTTP sockets read up to SOCKET_READ_BYTES at a time (node's default is 64 KiB): fewer,
// larger body chunks, and every byte still arrives intact, across keep-alive responses too.
describe('plain-HTTP large socket reads', () => {
  const bodies = [randomBytes(8 * 1024 * 1024 + 13), randomBytes(3 * 1024 * 1024 + 7), Buffer.from('tiny')];
  let server: Server;
  let origin: string;
  const ports = new Set<number>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      ports.add(req.socket.remotePort!);
      const body = bodies[Number(req.url!.slice(1))]!;
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('delivers chunks larger than 64 KiB, byte-exact, on reused connections', async () => {
    const dispatcher = createDispatcher();
    const send = undiciHandler(dispatcher);
    let largest = 0;
    for (const i of [0, 1, 2, 0]) {
      const res = await send({ method: 'GET', url: new URL(`/${i}`, origin), headers: {} });
      const h = createHash('sha256');
      let n = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        h.update(chunk);
        n += chunk.length;
        largest = Math.max(largest, chunk.length);
      }
      expect(n).toBe(bodies[i]!.length);
      expect(h.digest('hex')).toBe(createHash('sha256').update(bodies[i]!).digest('hex'));
    }
    expect(largest).toBeGreaterThan(64 * 1024);
    expect(largest).toBeLessThanOrEqual(SOCKET_READ_BYTES);
    // keep-alive: four requests did not need four connections
    expect(ports.size).toBeLessThan(4);
    await dispatcher.close();
  });

  it('small reads do not pin a read buffer each (a trickling body, a paused consumer)', async () => {
    // The server is another process, so its 1,400-byte writes arrive as separate small reads
    // while this process holds the body unread. With one 512 KiB buffer pinned per read this
    // grew by ~45 MiB; copied out, by ~0.1 MiB.
    const child = spawn(process.execPath, ['-e', `
      const s = require('node:http').createServer((req, res) => {
        res.writeHead(200, { 'content-length': String(400 * 1400) });
        let i = 0;
        const tick = () => { if (i++ === 400) return void res.end(); res.write(Buffer.alloc(1400, 7), () => setTimeout(tick, 1)); };
        tick();
      }).listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((r) => child.stdout!.once('data', (d: Buffer) => r(Number(String(d).trim()))));
      const dispatcher = createDispatcher();
      const res = await undiciHandler(dispatcher)({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/`), headers: {} });
      const before = process.memoryUsage().arrayBuffers;
      await new Promise((r) => setTimeout(r, 1200));
      const grew = process.memoryUsage().arrayBuffers - before;
      let n = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) n += chunk.length;
      expect(n).toBe(400 * 1400);
      expect(grew).toBeLessThan(8 * 1024 * 1024);
      await dispatcher.close();
    } finally {
      child.kill();
    }
  });
});
