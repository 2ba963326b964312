import type { Readable } from 'node:stream';

/**
 * A body that can hand its bytes to a synchronous sink in place, read by read, instead of being
 * streamed (transport/direct-body.ts, a blob read straight off the socket). A layout drains it
 * into its file: no stream hop and no buffer per chunk. `verifies` says whether it checks size and
 * digest itself.
 */
export interface Drainable extends Readable {
  drain(sink: (view: Buffer) => void): Promise<void>;
  verifies(digest: string, size: number): boolean;
}

export function isDrainable(body: Readable): body is Drainable {
  return typeof (body as Partial<Drainable>).drain === 'function' && typeof (body as Partial<Drainable>).verifies === 'function';
}
