/** One challenge of a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"`. */
export interface Challenge {
  scheme: string; // lower-case: 'bearer' | 'basic' | …
  params: Record<string, string>; // lower-case keys
}

/**
 * Parse a `WWW-Authenticate` value (RFC 7235): several challenges, quoted strings with
 * backslash escapes, commas inside quotes. Unparseable tails are ignored.
 */
export function parseWwwAuthenticate(value: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const s = value;
  const skipWs = (): void => { while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++; };
  const token = (): string => {
    const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/.exec(s.slice(i));
    if (!m) return '';
    i += m[0].length;
    return m[0];
  };
  while (i < s.length) {
    skipWs();
    const scheme = token();
    if (!scheme) break;
    const ch: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    for (;;) {
      while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
      const save = i;
      const key = token();
      while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
      if (!key || s[i] !== '=') {
        i = save; // the next challenge's scheme starts here
        break;
      }
      i++; // '='
      while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
      let val = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          val += s[i];
          i++;
        }
        i++; // closing quote
      } else {
        const m = /^[^,\s]*/.exec(s.slice(i))!;
        val = m[0];
        i += val.length;
      }
      ch.params[key.toLowerCase()] = val;
      while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
      if (s[i] === ',') i++;
    }
  }
  return out;
}

/** The challenge to act on: bearer preferred over basic. */
export function pickChallenge(headers: string[]): Challenge | undefined {
  const all = headers.flatMap(parseWwwAuthenticate);
  return all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
}
