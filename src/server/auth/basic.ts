/** Parse `Authorization: Basic …`; undefined when absent or not Basic, 'malformed' when broken. */
export function parseBasic(value: string | undefined): { user: string; pass: string } | 'malformed' | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*basic\s+(\S*)\s*$/i.exec(value);
  if (!m) return /^\s*basic\b/i.test(value) ? 'malformed' : undefined;
  const b64 = m[1]!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return 'malformed';
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return 'malformed';
  return { user: text.slice(0, i), pass: text.slice(i + 1) };
}

/** The scheme of an Authorization header (lower case), or undefined. */
export function authScheme(value: string | undefined): string | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)/.exec(value ?? '');
  return m ? m[1]!.toLowerCase() : undefined;
}
