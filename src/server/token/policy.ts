import { parse as parseYaml } from 'yaml';
import { BCRYPT_RE } from '../auth/bcrypt.js';
import { parseScope, type Scope } from '../auth/scope.js';

/**
 * The token issuer's users and rules, from a small YAML file:
 *
 *   users:
 *     alice: { password: "$2y$…", groups: [devs] }      # bcrypt (htpasswd -nB)
 *     ci:    { password: "$2y$…", access: ["repository:ci/**:pull,push"] }
 *   groups:
 *     devs: ["repository:team/*:pull,push,delete", "registry:catalog:*"]
 *   anonymous: ["repository:public/**:pull"]          # what callers without credentials get
 *
 * A rule is `type:pattern:actions`. In patterns `*` matches within one path segment, `**` across
 * segments, and `${user}` is the authenticated user name. Grants are the intersection of what was
 * asked and what the rules allow (partial grants are not errors).
 */
export interface User { password: string; groups: string[]; access: Scope[] }
export interface Policy { users: Map<string, User>; groups: Map<string, Scope[]>; anonymous: Scope[] }

export class PolicyError extends Error {}

function rules(v: unknown, where: string): Scope[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new PolicyError(`${where}: expected a list of "type:pattern:actions" rules`);
  return v.map((r, i) => {
    const s = typeof r === 'string' ? parseScope(r) : undefined;
    if (!s) throw new PolicyError(`${where}[${i}]: invalid rule ${JSON.stringify(r)} (expected "type:pattern:actions")`);
    return s;
  });
}

export function parsePolicy(text: string): Policy {
  const doc = (parseYaml(text) ?? {}) as Record<string, unknown>;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new PolicyError('policy: expected a mapping with users, groups, anonymous');
  for (const k of Object.keys(doc)) if (!['users', 'groups', 'anonymous'].includes(k)) throw new PolicyError(`policy: unknown key "${k}"`);
  const groups = new Map<string, Scope[]>();
  for (const [name, list] of Object.entries((doc.groups ?? {}) as Record<string, unknown>)) groups.set(name, rules(list, `groups.${name}`));
  const users = new Map<string, User>();
  for (const [name, raw] of Object.entries((doc.users ?? {}) as Record<string, unknown>)) {
    const u = (raw ?? {}) as Record<string, unknown>;
    if (typeof u.password !== 'string' || !BCRYPT_RE.test(u.password)) {
      throw new PolicyError(`users.${name}.password: expected a bcrypt hash ($2y$…, e.g. from "htpasswd -nB ${name}")`);
    }
    const g = u.groups ?? [];
    if (!Array.isArray(g) || !g.every((x) => typeof x === 'string')) throw new PolicyError(`users.${name}.groups: expected a list of group names`);
    for (const x of g) if (!groups.has(x)) throw new PolicyError(`users.${name}.groups: unknown group "${x}"`);
    users.set(name, { password: u.password, groups: g, access: rules(u.access, `users.${name}.access`) });
  }
  return { users, groups, anonymous: rules(doc.anonymous, 'anonymous') };
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') { re += '.*'; i++; }
    else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The rules that apply to `user` (undefined = anonymous). */
export function rulesFor(policy: Policy, user: string | undefined): Scope[] {
  if (user === undefined) return policy.anonymous;
  const u = policy.users.get(user);
  if (!u) return [];
  const all = [...policy.anonymous, ...u.access, ...u.groups.flatMap((g) => policy.groups.get(g) ?? [])];
  return all.map((r) => ({ ...r, name: r.name.split('${user}').join(user) }));
}

/** Grant the intersection of `requested` and what the rules allow; scopes granted nothing are dropped. */
export function grant(policy: Policy, user: string | undefined, requested: Scope[]): Scope[] {
  const mine = rulesFor(policy, user);
  const out: Scope[] = [];
  for (const req of requested) {
    const allowed = new Set<string>();
    for (const r of mine) {
      if (r.type !== req.type || !globToRegExp(r.name).test(req.name)) continue;
      for (const a of r.actions) allowed.add(a);
    }
    const actions = req.actions.filter((a) => allowed.has('*') || allowed.has(a));
    if (actions.length > 0) out.push({ type: req.type, name: req.name, actions });
  }
  return out;
}
