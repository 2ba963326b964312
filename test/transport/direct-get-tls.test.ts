import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import { buffer as drain } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client/http.js';
import { createDispatcher, tlsConnectOptions, undiciHandler } from '../../src/transport/base.js';
import { DirectBody } from '../../src/transport/direct-body.js';
import { directGetHandler } from '../../src/transport/direct-get.js';
import type { Handler, HttpRequest, HttpResponse } from '../../src/transport/types.js';
import { makeCert, type CertPair } from '../helpers/token-issuer.js';
import { drained } from '../helpers/drained.js';
import { tempDir } from '../helpers/temp.js';


describe('direct reads of HTTPS blob bodies', () => {
  const blob = randomBytes(3 * 1024 * 1024 + 5);
  let cert: CertPair;
  let caFile: string;
  let https: HttpsServer;
  let origin: string;
  const paths: string[] = [];

  beforeAll(async () => {
    cert = makeCert('direct-tls');
    caFile = join(tempDir('dist-direct-tls-'), 'ca.pem');
    await writeFile(caFile, cert.certPem);
    https = createHttps({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      paths.push(req.url!);
      if (req.url === '/blob') return void res.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
      if (req.url === '/chunked') {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        res.write(blob.subarray(0, 1000));
        return void res.end(blob.subarray(1000, 3000));
      }
      res.writeHead(404, { 'content-length': '2' }).end('{}');
    });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    origin = `https://127.0.0.1:${(https.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    https.closeAllConnections();
    await new Promise((r) => https.close(r));
  });

  const request = (path: string): HttpRequest => ({ method: 'GET', url: new URL(path, origin), headers: { 'user-agent': 'dist-test' }, bulk: true });
  /** undici with the test CA, counting what reaches it. */
  function counted(): { handler: Handler; calls: () => number } {
    let n = 0;
    const undici = undiciHandler(createDispatcher(tlsConnectOptions({ caFile })));
    return { handler: (req) => (n++, undici(req)), calls: () => n };
  }

  it('reads a blob off the TLS socket (a DirectBody, nothing through undici), every byte in order', async () => {
    const fallback = counted();
    const res = await directGetHandler(fallback.handler, { rejectUnauthorized: true, ca: [cert.certPem] })(request('/blob'));
    expect(res.status).toBe(200);
    expect(res.body).toBeInstanceOf(DirectBody);
    expect((await drained(res.body as DirectBody)).equals(blob)).toBe(true);
    expect(fallback.calls()).toBe(0);
  });

  it('a body in another shape (chunked) goes to undici, which reads it', async () => {
    const fallback = counted();
    const res = await directGetHandler(fallback.handler, { rejectUnauthorized: true, ca: [cert.certPem] })(request('/chunked'));
    expect(fallback.calls()).toBe(1);
    expect((await drain(res.body)).equals(blob.subarray(0, 3000))).toBe(true);
  });

  it('a certificate the settings do not trust: the direct read steps aside and undici reports (or here: answers)', async () => {
    const answered: HttpResponse = { status: 599, headers: {}, url: new URL(origin), body: (await import('node:stream')).Readable.from([]) };
    let calls = 0;
    const fallback: Handler = async () => (calls++, answered);
    const res = await directGetHandler(fallback, { rejectUnauthorized: true })(request('/blob'));
    expect(res).toBe(answered);
    expect(calls).toBe(1);
  });

  it('without TLS settings an https request is undici\'s, as before', async () => {
    let calls = 0;
    const fallback: Handler = async (req) => (calls++, { status: 204, headers: {}, url: req.url, body: (await import('node:stream')).Readable.from([]) });
    await directGetHandler(fallback)(request('/blob'));
    expect(calls).toBe(1);
  });

  it('a RegistryClient with --ca-file reads HTTPS blobs directly', async () => {
    const client = new RegistryClient({ caFile });
    try {
      const res = await client.handler(request('/blob'));
      expect(res.body).toBeInstanceOf(DirectBody);
      expect((await drain(res.body)).equals(blob)).toBe(true);
    } finally {
      await client.close();
    }
  });
});
