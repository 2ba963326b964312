/**
 * Connection limits shared by the plain and TLS listeners. Uploads may legitimately take hours, so
 * there is no whole-request deadline; instead a connection on which nothing moves for
 * `IDLE_TIMEOUT_MS` (a client that declared a body and stalled, or stopped reading a blob) is closed.
 * Bytes an upload received before the stall stay in the session, so the client can resume.
 */
export const IDLE_TIMEOUT_MS = 5 * 60_000;

export const SERVER_TIMEOUTS = { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000 } as const;

/** Close connections idle for `idleMs` (no 'timeout' listener: Node destroys the socket). */
export function applyIdleTimeout(server: { setTimeout(ms: number): unknown }, idleMs = IDLE_TIMEOUT_MS): void {
  server.setTimeout(idleMs);
}
