/** Pass through at most `n` bytes of `source`, then stop reading it (the source is destroyed). */
export function limitBytes(n: number): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* limited(source) {
    let left = n;
    if (left <= 0) return;
    for await (const chunk of source) {
      const out = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= out.length;
      yield out;
      if (left <= 0) return;
    }
  };
}
