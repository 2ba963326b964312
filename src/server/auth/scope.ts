/**
 * Token scopes (docker token spec): `type:name:action[,action]`. The name may hold `host:port/`,
 * so the first `:` ends the type and the LAST `:` starts the actions.
 */
export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

const TYPE_RE = /^[a-z0-9]+(\([a-z0-9]+\))?$/;

/** Parse one resource scope; undefined when malformed. */
export function parseScope(s: string): Scope | undefined {
  const first = s.indexOf(':');
  const last = s.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const type = s.slice(0, first).replace(/\(.*\)$/, '');
  if (!TYPE_RE.test(s.slice(0, first))) return undefined;
  const name = s.slice(first + 1, last);
  const actions = s.slice(last + 1).split(',').filter((a) => a !== '');
  if (!name || actions.length === 0) return undefined;
  return { type, name, actions };
}

/** Parse a space-separated list of scopes (a `scope` query value); malformed entries are dropped. */
export function parseScopes(list: string): Scope[] {
  return list.split(' ').filter(Boolean).map(parseScope).filter((s): s is Scope => s !== undefined);
}

export function formatScope(s: Scope): string {
  return `${s.type}:${s.name}:${s.actions.join(',')}`;
}

/** Merge scopes on the same (type, name), keeping action order stable. */
export function mergeScopes(scopes: Scope[]): Scope[] {
  const out: Scope[] = [];
  for (const s of scopes) {
    const hit = out.find((o) => o.type === s.type && o.name === s.name);
    if (!hit) out.push({ type: s.type, name: s.name, actions: [...s.actions] });
    else for (const a of s.actions) if (!hit.actions.includes(a)) hit.actions.push(a);
  }
  return out;
}

/** Does a granted action list cover `action`? (`*` covers everything.) */
export function actionGranted(granted: readonly string[], action: string): boolean {
  return granted.includes('*') || granted.includes(action);
}

/** True when every scope only asks for `pull` (a read). */
export function isReadOnly(scopes: Scope[]): boolean {
  return scopes.every((s) => s.type === 'repository' && s.actions.every((a) => a === 'pull'));
}
