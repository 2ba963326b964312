/**
 * Go `encoding/json` output rules, for byte-exact schema 1 payloads and v1Compatibility strings:
 * `<`, `>`, `&`, U+2028 and U+2029 are escaped, control characters other than \n \r \t use \u00XX,
 * map keys are sorted by bytes, RawMessage values are compacted.
 */
export function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) out += s[i]! + s[++i]!;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += s[i];
  }
  return `${out}"`;
}

/** Go `json.Compact` with HTML escaping: drop whitespace outside strings, escape `<>&` U+2028/9 inside. */
export function goCompact(text: string): string {
  let out = '';
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inStr) {
      if (ch === '\\') {
        out += ch + (text[++i] ?? '');
        continue;
      }
      if (ch === '"') inStr = false;
      const c = ch.charCodeAt(0);
      out += c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029 ? `\\u${c.toString(16).padStart(4, '0')}` : ch;
    } else if (ch === '"') {
      inStr = true;
      out += ch;
    } else if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') out += ch;
  }
  return out;
}

/** The members of a top-level JSON object as raw value text (Go `map[string]*json.RawMessage`; last duplicate wins). */
export function rawMembers(text: string): Map<string, string> {
  const doc = JSON.parse(text) as unknown;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
  const out = new Map<string, string>();
  let i = text.indexOf('{') + 1;
  const skipWs = (): void => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const scanValue = (): void => {
    let depth = 0;
    let inStr = false;
    for (; i < text.length; i++) {
      const ch = text[i]!;
      if (inStr) {
        if (ch === '\\') i++;
        else if (ch === '"') {
          inStr = false;
          if (depth === 0) return void i++;
        }
      } else if (ch === '"') inStr = true;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        if (depth === 0) return;
        if (--depth === 0) return void i++;
      } else if (ch === ',' && depth === 0) return;
    }
  };
  for (;;) {
    skipWs();
    if (text[i] === '}') break;
    const kStart = i;
    scanValue();
    const key = JSON.parse(text.slice(kStart, i)) as string;
    skipWs();
    i++; // ':'
    skipWs();
    const vStart = i;
    scanValue();
    out.delete(key);
    out.set(key, text.slice(vStart, i).trim());
    skipWs();
    if (text[i] === ',') i++;
  }
  return out;
}

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Go `json.Marshal(map[string]*json.RawMessage)`: keys sorted by bytes, values compacted. */
export function goMarshalRawMap(m: Map<string, string>): string {
  return `{${[...m.keys()].sort(byteOrder).map((k) => `${goString(k)}:${goCompact(m.get(k)!)}`).join(',')}}`;
}

/**
 * Go's `time.Time` JSON form of an RFC 3339 timestamp: RFC3339Nano, trailing zeros of the fraction
 * removed, a zero offset written `Z`. Unparseable or missing input gives Go's zero time.
 */
export function goTime(s: unknown): string {
  const m = typeof s === 'string' ? /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(s) : null;
  if (!m) return '0001-01-01T00:00:00Z';
  const frac = (m[2] ?? '').slice(0, 9).replace(/0+$/, '');
  const zone = m[3]!.toUpperCase() === 'Z' || m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3]!;
  return `${m[1]}${frac ? `.${frac}` : ''}${zone}`;
}
