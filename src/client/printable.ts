/** Control characters (C0, DEL, C1) and bidi overrides: a registry's text must not drive the terminal. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text from a registry (tag and repository names, error messages, annotations) made safe to print
 * on one terminal line: control characters become visible escapes (`\n`, `\u001b`).
 */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
