/** The `rel="next"` target of a `Link` header (RFC 8288), resolved against `base`. */
export function nextLink(values: string[], base: URL): URL | undefined {
  for (const v of values) {
    for (const part of v.split(/,(?=\s*<)/)) {
      const m = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
      if (!m) continue;
      const params = m[2]!;
      if (/(?:^|;)\s*rel\s*=\s*"?(?:[^"]*\s)?next(?:\s[^"]*)?"?\s*(?:;|$)/i.test(params)) return new URL(m[1]!, base);
    }
  }
  return undefined;
}
