import type { Dispatcher } from 'undici';
import { authMiddleware } from '../auth/middleware.js';
import { defaultCredentials } from '../auth/providers.js';
import type { CredentialProvider } from '../auth/credentials.js';
import { TokenClient } from '../auth/token.js';
import { stallTimeoutMiddleware } from './stall.js';
import { isLoopbackRegistry, registryHost } from '../ref/reference.js';
import { createDispatcher, tlsConnectOptions, undiciHandler } from '../transport/base.js';
import { directGetHandler } from '../transport/direct-get.js';
import { directUploadHandler } from '../transport/direct-upload.js';
import { httpsFallbackMiddleware } from '../transport/fallback.js';
import { loggingMiddleware, type LogSink } from '../transport/logging.js';
import { redirectMiddleware } from '../transport/redirect.js';
import { retryMiddleware, type RetryOptions } from '../transport/retry.js';
import { compose, type Handler } from '../transport/types.js';
import { DEFAULT_USER_AGENT, userAgentMiddleware } from '../transport/useragent.js';

/** Everything that configures how dist talks to registries (library and CLI). */
export interface ClientOptions {
  /** Always plain HTTP. Loopback registries (localhost, 127.0.0.0/8, [::1]) use it by default anyway. */
  plainHttp?: boolean;
  /** Skip TLS verification. */
  insecure?: boolean;
  /** Extra trusted CA certificates (PEM file). */
  caFile?: string;
  /** Client certificate and key (PEM files) for registries that require mutual TLS. */
  certFile?: string;
  keyFile?: string;
  /** `USER:PASS`, tried before any config file. */
  creds?: string;
  /** Replace the whole credential lookup. */
  credentials?: CredentialProvider;
  userAgent?: string;
  /** Debug log sink (`-v`); secrets are redacted before they reach it. */
  log?: LogSink;
  logHeaders?: boolean;
  retry?: RetryOptions;
  /** Give up on a registry that sends nothing for this long (ms; `--timeout`). Unset: undici's 300 s. */
  timeoutMs?: number;
  /** A custom undici dispatcher (overrides the TLS options; blob bodies then go through it too). */
  dispatcher?: Dispatcher;
  /** Read blob bodies straight off the socket (HTTP and HTTPS), and send local files' blobs straight into it over plain HTTP (direct-get.ts, direct-upload.ts). Default true. */
  directReads?: boolean;
}

/**
 * A configured HTTP client for registries: one pipeline (user agent → retry → auth → redirects →
 * debug log → undici) and one token cache, shared by every repository opened from it.
 */
export class RegistryClient {
  readonly handler: Handler;
  readonly tokens: TokenClient;
  readonly dispatcher: Dispatcher;

  constructor(readonly options: ClientOptions = {}) {
    // the PEM files are read once, for undici's Agent and the direct reads alike
    const tls = options.dispatcher ? undefined : tlsConnectOptions({ insecure: options.insecure, caFile: options.caFile, certFile: options.certFile, keyFile: options.keyFile });
    this.dispatcher = options.dispatcher ?? createDispatcher(tls);
    const log = options.log ? [loggingMiddleware(options.log, { headers: options.logHeaders })] : [];
    if (options.timeoutMs) log.push(stallTimeoutMiddleware(options.timeoutMs));
    const viaUndici = undiciHandler(this.dispatcher, { plainHttp: options.plainHttp, clientCert: !!options.certFile });
    // a custom dispatcher (tests, proxies) sees every request
    const base = options.dispatcher || options.directReads === false ? viaUndici : directUploadHandler(directGetHandler(viaUndici, tls));
    const retry = retryMiddleware({
      ...options.retry,
      onRetry: options.retry?.onRetry ?? (options.log ? (i) => options.log!(`retry ${i.attempt} in ${i.delayMs} ms (${i.reason})`) : undefined),
    });
    const ua = userAgentMiddleware(options.userAgent ?? DEFAULT_USER_AGENT);
    this.tokens = new TokenClient(compose(base, ua, retry, ...log));
    const credentials = options.credentials ?? defaultCredentials({ creds: options.creds });
    const fallback = httpsFallbackMiddleware((host) => !options.plainHttp && isLoopbackRegistry(host));
    this.handler = compose(base, ua, retry, authMiddleware({ credentials, tokens: this.tokens }), redirectMiddleware(), fallback, ...log);
  }

  /**
   * `http(s)://host[:port]` for a registry name (docker.io → registry-1.docker.io). Loopback
   * registries use plain HTTP, unless TLS options (--ca-file, --insecure) are given: then HTTPS
   * is tried first, falling back to HTTP when the port speaks plain HTTP.
   */
  origin(registry: string): URL {
    const tlsHinted = !!(this.options.caFile || this.options.insecure || this.options.certFile);
    const plain = this.options.plainHttp || (isLoopbackRegistry(registry) && !tlsHinted);
    return new URL(`${plain ? 'http' : 'https'}://${registryHost(registry)}`);
  }

  /** Release pooled connections. */
  async close(): Promise<void> {
    if (!this.options.dispatcher) await this.dispatcher.close();
  }
}
