import { describe, expect, it } from 'vitest';
import { decodeChunked, parseHead, simpleLength } from '../../src/transport/http1.js';

describe('the hand-read parts of HTTP/1.1 (direct reads and uploads)', () => {
  it('a chunked body: whole once its last chunk (and trailer) arrived, undefined before, an Error when malformed', () => {
    const whole = Buffer.from('4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n');
    expect(String(decodeChunked(whole))).toBe('Wikipedia');
    for (let cut = 0; cut < whole.length; cut++) expect(decodeChunked(whole.subarray(0, cut))).toBeUndefined();
    expect(String(decodeChunked(Buffer.from('0\r\n\r\n')))).toBe('');
    expect(decodeChunked(Buffer.from('zz\r\nabc\r\n0\r\n\r\n'))).toBeInstanceOf(Error);
    expect(decodeChunked(Buffer.from('3\r\nabcX\r\n0\r\n\r\n'))).toBeInstanceOf(Error);
  });

  it('a response head: repeated headers become lists; folded lines, non-token names or a bad status line are refused', () => {
    const h = parseHead('HTTP/1.1 202 Accepted\r\nLocation: /v2/x/blobs/uploads/1\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0');
    expect(h).toEqual({ status: 202, headers: { location: '/v2/x/blobs/uploads/1', 'x-a': ['1', '2'], 'content-length': '0' } });
    expect(simpleLength(h!)).toBe(0);
    expect(parseHead('HTTP/1.1 200 OK\r\nX-A: 1\r\n folded')).toBeUndefined();
    expect(parseHead('HTTP/1.1 200 OK\r\nBad Name: 1')).toBeUndefined();
    expect(parseHead('HTTP/2 200')).toBeUndefined();
    expect(simpleLength(parseHead('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6')!)).toBeUndefined();
    expect(simpleLength(parseHead('HTTP/1.1 204 No Content')!)).toBeUndefined();
  });
});
