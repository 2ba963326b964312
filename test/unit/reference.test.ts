import { describe, expect, it } from 'vitest';
import { formatReference, isLoopbackRegistry, parseReference, registryHost } from '../../src/ref/reference.js';
import { isRepositoryName, isTag } from '../../src/ref/grammar.js';

describe('parseReference (docker grammar and defaults)', () => {
  it.each([
    ['ubuntu', 'docker.io', 'library/ubuntu', 'latest', undefined],
    ['ubuntu:22.04', 'docker.io', 'library/ubuntu', '22.04', undefined],
    ['bitnami/redis', 'docker.io', 'bitnami/redis', 'latest', undefined],
    ['localhost:5000/a/b:t', 'localhost:5000', 'a/b', 't', undefined],
    ['localhost/x', 'localhost', 'x', 'latest', undefined],
    ['127.0.0.1:5000/repo', '127.0.0.1:5000', 'repo', 'latest', undefined],
    ['[::1]:5000/repo:v1', '[::1]:5000', 'repo', 'v1', undefined],
    ['ghcr.io/org/img@sha256:' + 'a'.repeat(64), 'ghcr.io', 'org/img', undefined, 'sha256:' + 'a'.repeat(64)],
    ['index.docker.io/library/alpine:3', 'docker.io', 'library/alpine', '3', undefined],
    ['quay.io/a/b:t@sha256:' + 'b'.repeat(64), 'quay.io', 'a/b', 't', 'sha256:' + 'b'.repeat(64)],
  ])('%s', (input, registry, repository, tag, digest) => {
    expect(parseReference(input)).toEqual({ registry, repository, tag, digest });
  });

  it.each(['', 'UPPER/case', 'a//b', 'repo:bad tag', 'repo@sha256:short', 'repo:' + 'x'.repeat(129), '-lead', 'a/b/'])('rejects %j', (input) => {
    expect(() => parseReference(input)).toThrow(/reference|repository|tag|digest/);
  });

  it('leaves the tag empty when asked', () => {
    expect(parseReference('localhost:5000/r', { defaultTag: false }).tag).toBeUndefined();
  });

  it('formats back', () => {
    expect(formatReference(parseReference('ubuntu'))).toBe('docker.io/library/ubuntu:latest');
  });

  it('knows loopback registries and docker hub host', () => {
    expect(isLoopbackRegistry('localhost:5000')).toBe(true);
    expect(isLoopbackRegistry('127.0.0.5')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('example.com:5000')).toBe(false);
    expect(registryHost('docker.io')).toBe('registry-1.docker.io');
  });

  it('grammar edge cases', () => {
    expect(isRepositoryName('a__b/c-d.e')).toBe(true);
    expect(isRepositoryName('a___b')).toBe(false);
    expect(isRepositoryName('a'.repeat(256))).toBe(false);
    expect(isTag('_ok')).toBe(true);
    expect(isTag('.bad')).toBe(false);
  });
});
