import { describe, expect, it } from 'vitest';
import { formatScope, mergeScopes, parseScope, parseScopes } from '../../src/server/auth/scope.js';
import { scopesFor } from './helpers.js';

describe('scopes', () => {
  it('parses names with host:port and multiple actions', () => {
    expect(parseScope('repository:localhost:5000/a/b:pull,push')).toEqual({ type: 'repository', name: 'localhost:5000/a/b', actions: ['pull', 'push'] });
    expect(parseScope('repository(plugin):x:pull')).toEqual({ type: 'repository', name: 'x', actions: ['pull'] });
    expect(parseScope('registry:catalog:*')?.actions).toEqual(['*']);
    for (const bad of ['', 'repository', 'repository:x', 'repository::pull', 'Repo:x:pull', 'repository:x:']) expect(parseScope(bad)).toBeUndefined();
    expect(parseScopes('repository:a:pull junk repository:b:push').map(formatScope)).toEqual(['repository:a:pull', 'repository:b:push']);
    expect(mergeScopes([...parseScopes('repository:a:pull repository:a:push,pull')]).map(formatScope)).toEqual(['repository:a:pull,push']);
  });

  it('computes the scopes each request needs (§2.13)', () => {
    const f = (m: string, u: string): string[] => scopesFor(m, u).map(formatScope);
    expect(f('GET', '/v2/')).toEqual([]);
    expect(f('GET', '/v2/_catalog?n=10')).toEqual(['registry:catalog:*']);
    expect(f('GET', '/v2/a/b/manifests/latest')).toEqual(['repository:a/b:pull']);
    expect(f('HEAD', '/v2/a/blobs/sha256:00')).toEqual(['repository:a:pull']);
    expect(f('GET', '/v2/a/tags/list')).toEqual(['repository:a:pull']);
    expect(f('POST', '/v2/a/blobs/uploads/')).toEqual(['repository:a:pull,push']);
    expect(f('PATCH', '/v2/a/blobs/uploads/x')).toEqual(['repository:a:pull,push']);
    expect(f('PUT', '/v2/a/manifests/t')).toEqual(['repository:a:pull,push']);
    expect(f('DELETE', '/v2/a/manifests/sha256:00')).toEqual(['repository:a:delete']);
    expect(f('POST', '/v2/a/blobs/uploads/?mount=sha256:00&from=b/c')).toEqual(['repository:a:pull,push', 'repository:b/c:pull']);
    expect(f('GET', '/v2/x/manifests/y/blobs/z')).toEqual(['repository:x/manifests/y:pull']);
  });
});
