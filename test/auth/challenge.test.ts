import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate, pickChallenge } from '../../src/auth/challenge.js';
import { mergeScopes, parseScope } from '../../src/auth/scope.js';

describe('WWW-Authenticate parsing', () => {
  it('parses a distribution bearer challenge', () => {
    const [c] = parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"');
    expect(c).toEqual({ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' } });
  });

  it('handles several challenges, escapes, unquoted values and error=', () => {
    const cs = parseWwwAuthenticate('Basic realm="a \\"quoted\\" realm", Bearer realm=https://t/x,service=svc , error="insufficient_scope"');
    expect(cs.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(cs[0]!.params.realm).toBe('a "quoted" realm');
    expect(cs[1]!.params).toEqual({ realm: 'https://t/x', service: 'svc', error: 'insufficient_scope' });
  });

  it('prefers bearer over basic across header values', () => {
    expect(pickChallenge(['Basic realm="r"', 'Bearer realm="t"'])?.scheme).toBe('bearer');
    expect(pickChallenge(['Basic realm="r"'])?.scheme).toBe('basic');
    expect(pickChallenge(['Negotiate'])).toBeUndefined();
  });
});

describe('scopes', () => {
  it('splits on the first and last colon (host:port in names)', () => {
    expect(parseScope('repository:localhost:5000/a/b:pull,push')).toEqual({ type: 'repository', name: 'localhost:5000/a/b', actions: ['pull', 'push'] });
  });

  it('merges actions per resource, space-separated lists included, sorted', () => {
    expect(mergeScopes(['repository:a:pull', 'repository:b:pull'], 'repository:a:push repository:a:pull', undefined)).toEqual(['repository:a:pull,push', 'repository:b:pull']);
    expect(mergeScopes('registry:catalog:*', 'registry:catalog:pull')).toEqual(['registry:catalog:*']);
  });
});
