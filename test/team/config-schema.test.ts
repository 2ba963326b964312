import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfigKeys } from '../../src/server/config-schema.js';

describe('config validation', () => {
  it('accepts distribution configs (rc.1 and current style)', () => {
    const doc = parse(`
version: 0.1
log: {level: info, fields: {service: registry}}
storage:
  filesystem: {rootdirectory: /var/lib/registry}
  delete: {enabled: true}
  cache: {blobdescriptor: inmemory}
  maintenance:
    uploadpurging: {enabled: true, age: 168h, interval: 24h, dryrun: false}
    readonly: {enabled: false}
  s3: {bucket: b, region: us-east-1}
http:
  addr: :5000
  secret: x
  headers: {X-Content-Type-Options: [nosniff]}
  debug: {addr: localhost:5001, prometheus: {enabled: true, path: /metrics}}
  tls: {certificate: a, key: b, clientcas: [c]}
auth:
  htpasswd: {realm: basic-realm, path: /etc/registry/htpasswd}
notifications:
  endpoints:
    - {name: a, url: 'http://x', timeout: 1s, threshold: 10, backoff: 1s}
redis: {addr: 'localhost:6379'}
`);
    expect(() => validateConfigKeys(doc)).not.toThrow();
  });

  it('names the unknown or mistyped key', () => {
    const bad: Array<[string, RegExp]> = [
      ['storage: {filesystem: {rootdir: /x}}', /unknown key storage\.filesystem\.rootdir/],
      ['htttp: {addr: ":5000"}', /unknown key htttp/],
      ['storage: {delete: {enabled: yes please}}', /storage\.delete\.enabled must be true or false/],
      ['storage: {gc: {interval: soon}}', /storage\.gc\.interval must be a duration/],
      ['http: {tls: {clientcas: ca.pem}}', /http\.tls\.clientcas must be a list of strings/],
      ['auth: {htpasswd: {realm: r, path: [a]}}', /auth\.htpasswd\.path must be a string/],
      ['storage: 5', /storage must be a mapping/],
    ];
    for (const [y, re] of bad) expect(() => validateConfigKeys(parse(y)), y).toThrow(re);
  });
});
