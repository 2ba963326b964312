import { createHash, randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { blobName } from '../../src/content/layout/paths.js';
import type { Digest } from '../../src/digest/digest.js';
import { SizeMismatchError } from '../../src/errors/errors.js';
import type { Descriptor } from '../../src/oci/types.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp.js';

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
const layer = (bytes: Buffer): Descriptor => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(bytes), size: bytes.length });

// A fresh streamed PATCH whose source is a local file goes out from the file itself, through two
// reused buffers (transport/direct-upload.ts). These tests pin that it keeps the upload's guarantees.
describe('pushing a local file straight into the socket', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let decide: (req: { method?: string; url?: string; headers: Record<string, unknown> }, n: number) => Fault = () => ({ kind: 'pass' });
  const patches: Array<{ connection: unknown; contentRange: unknown }> = [];
  let layout: OciLayout;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.host, (req, n) => {
      if (req.method === 'PATCH') patches.push({ connection: req.headers.connection, contentRange: req.headers['content-range'] });
      return decide(req, n);
    });
    layout = await OciLayout.open(tempDir());
  });
  afterAll(async () => {
    await proxy.close();
    await registry.close();
  });

  /** A 20 MiB blob (above the one-PUT limit) stored in the layout. */
  async function stored(): Promise<{ desc: Descriptor; bytes: Buffer }> {
    const bytes = randomBytes(20 * 1024 * 1024 + 11);
    const desc = layer(bytes);
    await layout.push(desc, Readable.from([bytes]));
    return { desc, bytes };
  }
  const repo = (name: string): RemoteRepository => new RemoteRepository(proxy.host, name, { retry: { maxAttempts: 1 } });
  const served = async (name: string, desc: Descriptor): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const c of await new RemoteRepository(registry.host, name).fetch(desc) as AsyncIterable<Buffer>) parts.push(c);
    return Buffer.concat(parts);
  };

  it('goes out in one PATCH on a connection of its own, with progress, and the registry has it byte-exact', async () => {
    decide = () => ({ kind: 'pass' });
    const { desc, bytes } = await stored();
    const before = patches.length;
    const seen: number[] = [];
    await repo('direct/one').push(desc, await layout.fetch(desc, { verify: false }), { onProgress: (n) => seen.push(n) });
    expect(patches.slice(before)).toEqual([{ connection: undefined, contentRange: undefined }]); // (undici sends keep-alive)
    expect(seen.at(-1)).toBe(desc.size);
    expect(seen.length).toBeGreaterThan(5);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(sha(await served('direct/one', desc))).toBe(sha(bytes));
  });

  it('a connection cut mid-PATCH: the upload continues where the registry stands, byte-exact', async () => {
    const { desc, bytes } = await stored();
    let cut = false;
    decide = (req) => {
      if (req.method === 'PATCH' && !cut) {
        cut = true;
        return { kind: 'cut', afterBytes: 6 * 1024 * 1024 };
      }
      return { kind: 'pass' };
    };
    const before = patches.length;
    await repo('direct/cut').push(desc, await layout.fetch(desc, { verify: false }), { reopen: () => layout.fetch(desc, { verify: false }) });
    const mine = patches.slice(before);
    expect(mine[0]).toEqual({ connection: undefined, contentRange: undefined });
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(String(mine.at(-1)!.contentRange)).toMatch(/^\d+-\d+$/); // the rest, from where the registry stood
    expect(sha(await served('direct/cut', desc))).toBe(sha(bytes));
  });

  it('a registry that refuses before reading the body: its answer is the error (not a broken pipe)', async () => {
    const { desc } = await stored();
    decide = (req) => (req.method === 'PATCH'
      ? { kind: 'respond', status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'no pushes here today' }] }) }
      : { kind: 'pass' });
    const err = (await repo('direct/denied').push(desc, await layout.fetch(desc, { verify: false })).catch((e: unknown) => e)) as Error;
    expect(err.message, err.message).toMatch(/no pushes here today/);
  });

  it('a layout file longer than its descriptor: a size mismatch, and not one byte is sent', async () => {
    decide = () => ({ kind: 'pass' });
    const { desc } = await stored();
    await appendFile(join(layout.root, blobName(desc.digest)), 'trailing junk');
    const sentBefore = proxy.bytesFor('PATCH');
    const err = await repo('direct/long').push(desc, await layout.fetch(desc, { verify: false })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(proxy.bytesFor('PATCH')).toBe(sentBefore);
  });
});
