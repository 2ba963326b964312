import { beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/digest/digest.js';
import { randomImage } from '../helpers/layout-fixture.js';
import { closeAfterEach } from '../helpers/closers.js';
import { buildOnce } from '../cli/helpers.js';
import { bytes, honest, hostileRegistry, oneLine, runWithin, type Route } from './hostile-registry.js';

const closers = closeAfterEach();
beforeAll(() => buildOnce(), 180_000);

/** Text a hostile registry slips into names and messages: a newline, a terminal title escape, a colour. */
const EVIL = 'evil\u001b]0;pwned\u0007\nsecond line\u001b[31m';
const ESCAPED = 'evil\\u001b]0;pwned\\u0007\\nsecond line\\u001b[31m';

async function registry(routes: Record<string, Route>): Promise<string> {
  const r = await hostileRegistry(routes);
  closers.push(r.close);
  return r.host;
}

describe('text from the registry cannot break the output or drive the terminal', () => {
  it('an error message with a newline and escapes: still one stderr line, escaped', async () => {
    const host = await registry({ '/v2/r/tags/list': bytes(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: EVIL }] }), { 'content-type': 'application/json' }, 404) });
    const r = await runWithin(10_000, ['tags', `${host}/r`]);
    expect(r.code).toBe(3);
    expect(oneLine(r)).toBe(`dist: tags of r: ${ESCAPED}`);
  });

  it('tag and repository names print one per line, escaped; --json keeps the exact string', async () => {
    const host = await registry({
      '/v2/r/tags/list': bytes(JSON.stringify({ tags: ['ok', EVIL] }), { 'content-type': 'application/json' }),
      '/v2/_catalog': bytes(JSON.stringify({ repositories: [EVIL] }), { 'content-type': 'application/json' }),
    });
    const t = await runWithin(10_000, ['tags', `${host}/r`]);
    expect(t.code).toBe(0);
    expect(t.stdout).toBe(`ok\n${ESCAPED}\n`);
    const c = await runWithin(10_000, ['catalog', host]);
    expect(c.stdout).toBe(`${ESCAPED}\n`);
    const j = await runWithin(10_000, ['--json', 'tags', `${host}/r`]);
    expect(j.json).toEqual([{ tag: 'ok' }, { tag: EVIL }]);
  });

  it('inspect: an annotation or a created date with control characters stays on its line', async () => {
    const img = await randomImage({ layers: 1, size: 256 });
    const m = JSON.parse(img.manifest.bytes.toString('utf8')) as Record<string, unknown>;
    const manifest = Buffer.from(JSON.stringify({ ...m, annotations: { note: EVIL } }));
    const digest = digestOf(manifest);
    const routes = honest(img);
    const serve = bytes(manifest, { 'content-type': img.manifest.desc.mediaType, 'docker-content-digest': digest });
    routes['/v2/r/manifests/v1'] = serve;
    routes[`/v2/r/manifests/${digest}`] = serve;
    const host = await registry(routes);
    const r = await runWithin(10_000, ['inspect', `${host}/r:v1`]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(r.stdout.split('\n')).toContain(`Annotation: note=${ESCAPED}`);
  });
});
