/**
 * One JSON line for stdout. JSON.stringify escapes only C0 controls: C1 controls, line separators
 * and bidi overrides that came from a registry (annotations, labels, tags…) are escaped too, so
 * `--json` output shown on a terminal cannot move the cursor or reorder text. Still valid JSON.
 */
export function jsonLine(obj: unknown): string {
  return `${JSON.stringify(obj).replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
