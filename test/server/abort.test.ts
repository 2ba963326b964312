import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { raw, sha } from './util.js';

const reg = shared(startRegistry);

describe('client aborts', () => {
  it('a PATCH cut off mid-body keeps what arrived; the client resumes from the reported Range and finishes', async () => {
    const data = randomBytes(1024 * 1024);
    const loc = (await raw(reg.url, 'POST', '/v2/abort/repo/blobs/uploads/')).header('location')!;
    const u = new URL(reg.url);
    await new Promise<void>((resolve) => {
      const req = request({ host: u.hostname, port: u.port, method: 'PATCH', path: loc, headers: { 'Content-Length': String(data.length) } });
      req.on('error', () => resolve());
      req.write(data.subarray(0, 300_000), () => setTimeout(() => {
        req.destroy();
        resolve();
      }, 200));
    });
    let got = 0;
    for (let i = 0; i < 50; i++) {
      const st = await raw(reg.url, 'GET', loc);
      expect(st.status).toBe(204);
      got = Number(/^0-(\d+)$/.exec(st.header('range')!)![1]) + 1;
      if (got === 300_000) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(got).toBe(300_000);
    const rest = await raw(reg.url, 'PATCH', loc, { body: data.subarray(got), headers: { 'Content-Range': `${got}-${data.length - 1}` } });
    expect(rest.status).toBe(202);
    expect((await raw(reg.url, 'PUT', `${loc}?digest=${sha(data)}`)).status).toBe(201);
    expect((await raw(reg.url, 'GET', `/v2/abort/repo/blobs/${sha(data)}`)).body.equals(data)).toBe(true);
    // The server is still healthy.
    expect((await raw(reg.url, 'GET', '/v2/')).status).toBe(200);
  });
});
