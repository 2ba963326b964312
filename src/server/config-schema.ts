import { UsageError } from '../errors/errors.js';
import { parseDuration } from './notify/duration.js';

/**
 * Every key of distribution's configuration that `dist serve` knows, with its type. `open`
 * sections are passed through whole (driver parameters, redis, middleware…): their owners
 * validate them. Anything else is an error that names the key.
 */
type Leaf = 'string' | 'bool' | 'int' | 'duration' | 'strings' | 'open' | 'list';
export type Spec = Leaf | { [key: string]: Spec };

export const CONFIG_SCHEMA: Spec = {
  version: 'string',
  loglevel: 'string',
  log: { level: 'string', formatter: 'string', fields: 'open', hooks: 'open', reportcaller: 'bool', accesslog: { disabled: 'bool' } },
  storage: {
    filesystem: { rootdirectory: 'string', maxthreads: 'int' },
    inmemory: 'open', s3: 'open', azure: 'open', gcs: 'open', swift: 'open', oss: 'open',
    delete: { enabled: 'bool' },
    cache: { blobdescriptor: 'string', blobdescriptorsize: 'int' },
    maintenance: {
      uploadpurging: { enabled: 'bool', age: 'duration', interval: 'duration', dryrun: 'bool' },
      readonly: { enabled: 'bool' },
    },
    redirect: { disable: 'bool', enabled: 'bool' },
    tag: { concurrencylimit: 'int' },
    gc: { enabled: 'bool', interval: 'duration', graceperiod: 'duration', deleteuntagged: 'bool', dryrun: 'bool' },
  },
  http: {
    addr: 'string', net: 'string', prefix: 'string', host: 'string', secret: 'string', relativeurls: 'bool', draintimeout: 'duration',
    tls: { certificate: 'string', key: 'string', clientcas: 'strings', minimumtls: 'string', ciphersuites: 'strings', letsencrypt: 'open' },
    headers: 'open',
    debug: { addr: 'string', prometheus: { enabled: 'bool', path: 'string' } },
    http2: { disabled: 'bool' },
    h2c: { enabled: 'bool' },
  },
  auth: {
    htpasswd: { realm: 'string', path: 'string', anonymouspull: 'bool' },
    token: { realm: 'string', service: 'string', issuer: 'string', rootcertbundle: 'string', jwks: 'string', autoredirect: 'bool', signingalgorithms: 'strings', anonymouspull: 'bool' },
    tokenissuer: { policy: 'string', key: 'string', certificate: 'string', issuer: 'string', service: 'string', realm: 'string', expiration: 'duration', anonymouspull: 'bool' },
    silly: 'open',
  },
  notifications: { events: { includereferences: 'bool' }, endpoints: 'list' },
  redis: 'open', health: 'open', proxy: 'open', validation: 'open', compatibility: 'open', middleware: 'open', reporting: 'open',
  catalog: { maxentries: 'int' },
  tags: 'open',
};

function typeOk(leaf: Leaf, v: unknown): boolean {
  switch (leaf) {
    case 'string': return typeof v === 'string' || typeof v === 'number';
    case 'bool': return typeof v === 'boolean' || v === 'true' || v === 'false';
    case 'int': return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^\d+$/.test(v));
    case 'duration': return parseDuration(v) !== undefined;
    case 'strings': return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'list': return Array.isArray(v);
    case 'open': return typeof v === 'object' || typeof v === 'string';
  }
}

const WANT: Record<Leaf, string> = {
  string: 'a string', bool: 'true or false', int: 'an integer', duration: 'a duration like 30s, 10m or 24h',
  strings: 'a list of strings', list: 'a list', open: 'a mapping',
};

/** Check a parsed YAML document against the schema; throws UsageError naming the first bad key. */
export function validateConfigKeys(doc: unknown, spec: Spec = CONFIG_SCHEMA, at = ''): void {
  if (doc === null || doc === undefined) return;
  if (typeof spec === 'string') {
    if (!typeOk(spec, doc)) throw new UsageError(`config: ${at} must be ${WANT[spec]}`);
    return;
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`config: ${at || 'the document'} must be a mapping`);
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const key = at ? `${at}.${k}` : k;
    const sub = spec[k.toLowerCase()];
    if (sub === undefined) throw new UsageError(`config: unknown key ${key}`);
    validateConfigKeys(v, sub, key);
  }
}
