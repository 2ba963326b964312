import { beforeAll, describe, expect, it } from 'vitest';
import { randomImage } from '../helpers/layout-fixture.js';
import { closeAfterEach } from '../helpers/closers.js';
import { buildOnce } from '../cli/helpers.js';
import { bytes, honest, hostileRegistry, oneLine, runWithin, type Route } from './hostile-registry.js';

const closers = closeAfterEach();
beforeAll(() => buildOnce(), 180_000);

/**
 * A registry that wants `Bearer good` (honest otherwise) and a token server on another loopback
 * port answering with `token`. Resolves the registry host and the token server's hit list.
 */
async function tokenRegistry(token: Route): Promise<{ host: string; tokenHits: string[] }> {
  const ts = await hostileRegistry({ '/token': token });
  closers.push(ts.close);
  const img = await randomImage({ layers: 1, size: 512 });
  const routes = honest(img);
  const gate = (next: Route | undefined): Route => (req, res) => {
    if (req.headers.authorization === 'Bearer good' && next) return next(req, res);
    res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${ts.host}/token",service="hostile"`, 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  };
  const reg = await hostileRegistry({ '/v2/': gate(bytes('')), ...Object.fromEntries(Object.entries(routes).map(([k, v]) => [k, gate(v)])) });
  closers.push(reg.close);
  return { host: reg.host, tokenHits: ts.hits };
}

const json = (body: string, status = 200): Route => bytes(body, { 'content-type': 'application/json' }, status);

describe('token servers that answer nonsense', () => {
  it('null, a number, or a token with CR/LF: exit 4 and one line saying what the token server did', async () => {
    const cases: Array<[string, RegExp]> = [
      ['null', /token server sent no token/],
      ['[1,2]', /token server sent no token/],
      ['{"token":12345}', /token server sent a token that cannot be used in a header/],
      ['{"token":"abc\\r\\nX-Injected: 1"}', /token server sent a token that cannot be used in a header/],
      ['{"access_token":"a b"}', /token server sent a token that cannot be used in a header/],
    ];
    for (const [body, message] of cases) {
      const { host } = await tokenRegistry(json(body));
      const r = await runWithin(15_000, ['inspect', `${host}/r:v1`]);
      expect(r.code, body).toBe(4);
      expect(oneLine(r), body).toMatch(message);
    }
  });

  it('a token server answering 503 forever: retried, then exit 6 (network), not 4 (credentials)', async () => {
    const { host, tokenHits } = await tokenRegistry(json('{"errors":[]}', 503));
    const r = await runWithin(20_000, ['inspect', `${host}/r:v1`]);
    expect(r.code).toBe(6);
    expect(oneLine(r)).toMatch(/token server answered HTTP 503/);
    expect(tokenHits.length).toBeGreaterThan(1);
  });
});
