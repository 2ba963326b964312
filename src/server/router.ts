/**
 * The route table of the registry API. Repository names contain `/`, so every pattern anchors
 * on the path's end and lets the name take everything between `/v2/` and the suffix; the order
 * of the table is the order of matching (most specific suffix first). The client builds URLs and
 * the auth middleware computes scopes from this same table.
 */
export type RouteName = 'base' | 'catalog' | 'tags' | 'manifest' | 'referrers' | 'uploadChunk' | 'upload' | 'blob';

export interface Route {
  name: RouteName;
  methods: readonly string[];
  pattern: RegExp;
}

export const ROUTES: readonly Route[] = [
  { name: 'base', methods: ['GET', 'HEAD'], pattern: /^\/v2\/?$/ },
  { name: 'catalog', methods: ['GET'], pattern: /^\/v2\/_catalog$/ },
  { name: 'tags', methods: ['GET'], pattern: /^\/v2\/(?<name>.+)\/tags\/list$/ },
  { name: 'manifest', methods: ['GET', 'HEAD', 'PUT', 'DELETE'], pattern: /^\/v2\/(?<name>.+)\/manifests\/(?<reference>[^/]+)$/ },
  { name: 'referrers', methods: ['GET'], pattern: /^\/v2\/(?<name>.+)\/referrers\/(?<digest>[^/]+)$/ },
  { name: 'uploadChunk', methods: ['GET', 'HEAD', 'PATCH', 'PUT', 'DELETE'], pattern: /^\/v2\/(?<name>.+)\/blobs\/uploads\/(?<uuid>[^/]+)$/ },
  { name: 'upload', methods: ['POST'], pattern: /^\/v2\/(?<name>.+)\/blobs\/uploads\/?$/ },
  { name: 'blob', methods: ['GET', 'HEAD', 'DELETE'], pattern: /^\/v2\/(?<name>.+)\/blobs\/(?<digest>[^/]+)$/ },
];

export interface RouteParams {
  name?: string;
  reference?: string;
  digest?: string;
  uuid?: string;
}

export interface RouteMatch {
  route: Route;
  params: RouteParams;
}

/** Match a raw (not normalised, not decoded) path; undefined when no route fits. */
export function matchRoute(path: string): RouteMatch | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) return { route, params: { ...(m.groups ?? {}) } };
  }
  return undefined;
}

/** An access a request needs (distribution's token scopes). */
export interface Access {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

/** The scopes a request needs, per distribution's app.go (§2.13 of the protocol notes). */
export function accessFor(m: RouteMatch | undefined, method: string, query: URLSearchParams): Access[] {
  if (!m || m.route.name === 'base') return [];
  if (m.route.name === 'catalog') return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
  const name = m.params.name ?? '';
  const out: Access[] = [];
  if (method === 'GET' || method === 'HEAD') out.push({ type: 'repository', name, actions: ['pull'] });
  else if (method === 'DELETE') out.push({ type: 'repository', name, actions: ['delete'] });
  else out.push({ type: 'repository', name, actions: ['pull', 'push'] });
  const from = query.get('from');
  if (m.route.name === 'upload' && method === 'POST' && query.get('mount') && from && from !== name) {
    out.push({ type: 'repository', name: from, actions: ['pull'] });
  }
  return out;
}
