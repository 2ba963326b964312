import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { IDLE_TIMEOUT_MS } from '../../src/server/timeouts.js';
import { startRegistry } from '../helpers/registry.js';
import { raw } from './util.js';

describe('idle connections', () => {
  it('the default idle limit is minutes, not seconds (uploads are slow, but never silent for that long)', () => {
    expect(IDLE_TIMEOUT_MS).toBeGreaterThanOrEqual(60_000);
  });

  it('a client that declares a body and stalls is disconnected; the bytes that arrived stay in the session', async () => {
    // The listener `dist serve` uses, with its idle limit shortened for the test.
    const reg = await startRegistry({ idleTimeoutMs: 1500 });
    const loc = (await raw(reg.url, 'POST', '/v2/idle/repo/blobs/uploads/')).header('location')!;
    const u = new URL(reg.url);
    const started = Date.now();
    const closed = await new Promise<string>((resolve) => {
      const req = request({ host: u.hostname, port: u.port, method: 'PATCH', path: loc, headers: { 'Content-Length': String(1 << 20) } });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.on('response', (res) => resolve(`status ${res.statusCode}`));
      req.write(randomBytes(1000));
    });
    expect(closed).toMatch(/ECONNRESET|socket hang up|EPIPE/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(10_000);
    const st = await raw(reg.url, 'GET', loc);
    expect(st.status).toBe(204);
    expect(st.header('range')).toBe('0-999');
    await reg.close();
  });
});
