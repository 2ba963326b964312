import type { DirectBody } from '../../src/transport/direct-body.js';

/** Drain a DirectBody into memory (what a layout does with a file): each view copied before the next read reuses it. */
export async function drained(body: DirectBody): Promise<Buffer> {
  const parts: Buffer[] = [];
  await body.drain((view) => parts.push(Buffer.from(view)));
  return Buffer.concat(parts);
}
