/** A relative RFC 5988 `Link` to the next page, as distribution builds it (only `n` and `last`). */
export function nextLink(path: string, n: number, last: string): string {
  const q = new URLSearchParams({ n: String(n), last });
  return `<${path}?${q.toString()}>; rel="next"`;
}
