import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomImage } from '../helpers/layout-fixture.js';
import { closeAfterEach } from '../helpers/closers.js';
import { buildOnce } from '../cli/helpers.js';
import { bytes, honest, hostileRegistry, isolatedEnv, oneLine, runWithin } from './hostile-registry.js';
import { tempDir } from '../helpers/temp.js';

const closers = closeAfterEach();
beforeAll(() => buildOnce(), 180_000);

describe('busy registries', () => {
  it('a Retry-After too long to wait (seconds or a date): gives up at once, exit 6, and says when to come back', async () => {
    const img = await randomImage({ layers: 1, size: 1024 });
    const layer = img.layers[0]!;
    const work = tempDir('dist-hostile-');
    const cases: Array<[number, string, string, RegExp]> = [
      [503, '100000', '', /blob sha256:[0-9a-f]{64}: HTTP 503 \(the registry asks to retry in 28 h; try again then\)/],
      [429, new Date(Date.now() + 3600_000).toUTCString(), '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}', /slow down \(the registry asks to retry in 60 min; try again then\)/],
    ];
    for (const [status, retryAfter, body, message] of cases) {
      const routes = honest(img);
      routes[`GET /v2/r/blobs/${layer.desc.digest}`] = bytes(body, { 'retry-after': retryAfter, 'content-type': 'application/json' }, status);
      const reg = await hostileRegistry(routes);
      closers.push(reg.close);
      const r = await runWithin(15_000, ['pull', `${reg.host}/r:v1`, '-o', join(work, `out-${status}`)], isolatedEnv(work, String(status)));
      expect(r.code, String(status)).toBe(6);
      expect(oneLine(r)).toMatch(message);
      expect(r.ms).toBeLessThan(10_000);
    }
  });
});
