import { afterAll, beforeAll } from 'vitest';

/** An object that reads through to `get()` on every property access (methods stay bound). */
export function lazy<T extends object>(get: () => T): T {
  return new Proxy({} as T, {
    get(_, prop) {
      const target = get();
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * A fixture started before the first test of the enclosing suite (the file, or the `describe` it
 * is called in) and closed after its last. The returned object reads through to the started
 * fixture, so `const reg = shared(startRegistry)` replaces the usual `let`/`beforeAll`/`afterAll`
 * trio; touching it before the start (at collection time) throws.
 */
export function shared<T extends { close(): Promise<void> }>(start: () => Promise<T>): T {
  let current: T | undefined;
  beforeAll(async () => {
    current = await start();
  });
  afterAll(async () => {
    await current?.close();
    current = undefined;
  });
  return lazy(() => {
    if (!current) throw new Error('fixture used before it started (use it inside a test or hook)');
    return current;
  });
}
