/** Token scopes: `type:name:action[,action]` where the name may contain `:` (host:port). */
export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

export function parseScope(s: string): Scope | undefined {
  const first = s.indexOf(':');
  const last = s.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  return { type: s.slice(0, first), name: s.slice(first + 1, last), actions: s.slice(last + 1).split(',').filter(Boolean) };
}

export function formatScope(sc: Scope): string {
  return `${sc.type}:${sc.name}:${sc.actions.join(',')}`;
}

export function repositoryScope(repository: string, ...actions: string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}

export const CATALOG_SCOPE = 'registry:catalog:*';

/**
 * Merge scope strings (space-separated lists allowed): one entry per type+name, actions united
 * and sorted (`*` absorbs the rest). Output sorted, so it works as a cache key.
 */
export function mergeScopes(...lists: Array<string | string[] | undefined>): string[] {
  const map = new Map<string, Scope>();
  for (const l of lists) {
    const items = l === undefined ? [] : (Array.isArray(l) ? l : [l]).flatMap((x) => x.split(' '));
    for (const raw of items) {
      const sc = raw && parseScope(raw);
      if (!sc) continue;
      const key = `${sc.type}:${sc.name}`;
      const cur = map.get(key);
      if (cur) cur.actions = [...new Set([...cur.actions, ...sc.actions])];
      else map.set(key, { ...sc, actions: [...new Set(sc.actions)] });
    }
  }
  return [...map.values()]
    .map((sc) => ({ ...sc, actions: sc.actions.includes('*') ? ['*'] : [...sc.actions].sort() }))
    .map(formatScope)
    .sort();
}
