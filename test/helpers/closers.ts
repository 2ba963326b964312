import { afterEach } from 'vitest';

/**
 * A list of clean-ups run after each test of the enclosing suite, last pushed first (servers
 * before the things they use). Push a closer right after starting something.
 */
export function closeAfterEach(): Array<() => Promise<void>> {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
  });
  return closers;
}
