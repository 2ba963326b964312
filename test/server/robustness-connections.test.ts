import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { raw } from './util.js';

const reg = shared(startRegistry);

interface Outcome {
  /** The status line and the body of what the server answered ('' when nothing arrived). */
  answer: string;
  /** The socket error the client saw, if any (EPIPE, ECONNRESET…). */
  error?: string;
  /** The server closed the connection after the answer. */
  closed: boolean;
}

/**
 * A client that writes its whole body before it reads anything (as most clients do): headers,
 * then `bytes` of body in 64 KiB writes while not reading for `quietMs`; then it reads what came
 * back and half-closes. The server answers early (before it read the body), so body bytes are
 * still arriving when it is done.
 */
function writeBeforeReading(head: string, bytes: number, quietMs = 300): Promise<Outcome> {
  const u = new URL(reg.url);
  return new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname);
    s.pause();
    let got = '';
    let error: string | undefined;
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    const giveUp = setTimeout(() => s.destroy(), 8000);
    s.on('close', () => {
      clearTimeout(giveUp);
      resolve({ answer: `${got.split('\r\n')[0] ?? ''} ${got.slice(got.indexOf('\r\n\r\n') + 4)}`.trim(), error, closed: got.length > 0 && error === undefined });
    });
    s.write(head);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes && !s.destroyed) {
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
    };
    pump();
    setTimeout(() => {
      s.resume();
      s.end();
    }, quietMs);
  });
}

const MIB = 1024 * 1024;

describe('an early error answer reaches a client that is still sending its body', () => {
  it('PATCH to an unknown upload: the 404 arrives (it was lost to a reset: EPIPE, no answer)', async () => {
    const r = await writeBeforeReading(`PATCH /v2/early/repo/blobs/uploads/00000000-1111-2222-3333-444444444444 HTTP/1.1\r\nHost: x\r\nContent-Length: ${64 * MIB}\r\n\r\n`, 8 * MIB);
    expect(r.error).toBeUndefined();
    expect(r.answer).toMatch(/^HTTP\/1\.1 404 .*"code":"BLOB_UPLOAD_UNKNOWN"/);
    expect(r.closed).toBe(true);
  });

  it('a manifest declared over 4 MiB: the 413 arrives', async () => {
    const r = await writeBeforeReading(`PUT /v2/early/repo/manifests/big HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: ${64 * MIB}\r\n\r\n`, 8 * MIB);
    expect(r.error).toBeUndefined();
    expect(r.answer).toMatch(/^HTTP\/1\.1 413 .*"code":"MANIFEST_TOO_BIG"/);
  });

  it('a chunk sent out of order: the 416 arrives, and the upload is untouched', async () => {
    const loc = (await raw(reg.url, 'POST', '/v2/early/repo/blobs/uploads/')).header('location')!;
    const r = await writeBeforeReading(`PATCH ${loc} HTTP/1.1\r\nHost: x\r\nContent-Range: 100-${100 + 8 * MIB - 1}\r\nContent-Length: ${8 * MIB}\r\n\r\n`, 8 * MIB);
    expect(r.error).toBeUndefined();
    expect(r.answer).toMatch(/^HTTP\/1\.1 416 .*"code":"RANGE_INVALID"/);
    expect((await raw(reg.url, 'GET', loc)).header('range')).toBe('0-0');
    expect((await raw(reg.url, 'GET', '/v2/')).status).toBe(200);
  });
});
