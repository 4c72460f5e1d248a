/**
 * The undici dispatcher NodeTransport builds from its options: an `Agent`, a `ProxyAgent`
 * for an explicit proxy, or an `EnvHttpProxyAgent` for `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`.
 *
 * @internal
 */
import { Agent, type buildConnector, type Dispatcher, EnvHttpProxyAgent, ProxyAgent } from "undici"

/** @internal */
export interface DispatcherOptions {
  /** Connections per origin (default: no limit). */
  readonly connections?: number | undefined
  /** Requests pipelined on one connection (default 1). */
  readonly pipelining?: number | undefined
  /** Idle keep-alive time of a connection, in milliseconds (default 4000). */
  readonly keepAliveTimeout?: number | undefined
  /** Time to connect, in milliseconds (default 10000). */
  readonly connectTimeout?: number | undefined
  /** Time to wait for the response headers, in milliseconds (default 300000; 0 = none). */
  readonly headersTimeout?: number | undefined
  /** Time allowed between two body chunks, in milliseconds (default 300000; 0 = none). */
  readonly bodyTimeout?: number | undefined
  /** Negotiate HTTP/2 over TLS (ALPN) when the server offers it (default `false`: HTTP/1.1). */
  readonly allowH2?: boolean | undefined
  /** TLS: extra trusted CAs (PEM), a client certificate and key (PEM), the SNI server name. */
  readonly tls?: {
    readonly ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined
    readonly cert?: string | Buffer | undefined
    readonly key?: string | Buffer | undefined
    readonly servername?: string | undefined
  } | undefined
  /** Accept any server certificate (no verification at all): for tests only. */
  readonly insecureSkipTlsVerify?: boolean | undefined
  /** Connect to this unix socket instead of the URL's host and port. */
  readonly socketPath?: string | undefined
  /** Send every request through this HTTP(S) proxy (`http://user:pass@proxy:3128`; CONNECT tunnels). */
  readonly proxy?: string | undefined
  /** Take the proxy from `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` (lower-case too); off by default. */
  readonly proxyFromEnv?: boolean | undefined
}

/** The entries that are set (undici's option types do not take `undefined`). */
const defined = (a: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v
  return out
}

/** @internal */
export const make = (options: DispatcherOptions): Dispatcher => {
  const tls = options.tls
  const connect = defined({
    ca: tls?.ca,
    cert: tls?.cert,
    key: tls?.key,
    servername: tls?.servername,
    rejectUnauthorized: options.insecureSkipTlsVerify === true ? false : undefined,
    socketPath: options.socketPath,
    timeout: options.connectTimeout
  }) as buildConnector.BuildOptions
  const agent = defined({
    connections: options.connections,
    pipelining: options.pipelining,
    keepAliveTimeout: options.keepAliveTimeout,
    headersTimeout: options.headersTimeout,
    bodyTimeout: options.bodyTimeout,
    allowH2: options.allowH2,
    connect: Object.keys(connect).length === 0 ? undefined : connect
  }) as Agent.Options
  if (options.proxy !== undefined) return new ProxyAgent({ ...agent, uri: options.proxy, requestTls: connect })
  if (options.proxyFromEnv === true) return new EnvHttpProxyAgent({ ...agent, requestTls: connect })
  return new Agent(agent)
}
