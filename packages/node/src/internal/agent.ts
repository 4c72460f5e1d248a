/**
 * The undici dispatcher NodeTransport builds from its options: an `Agent`, a `ProxyAgent`
 * for an explicit proxy, or an `EnvHttpProxyAgent` for `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`.
 *
 * @internal
 */
import { Agent, type buildConnector, type Dispatcher, EnvHttpProxyAgent, ProxyAgent } from "undici"

/** @internal */
export interface DispatcherOptions {
  readonly connections?: number | undefined
  readonly pipelining?: number | undefined
  readonly keepAliveTimeout?: number | undefined
  readonly connectTimeout?: number | undefined
  readonly headersTimeout?: number | undefined
  readonly bodyTimeout?: number | undefined
  readonly allowH2?: boolean | undefined
  readonly tls?: {
    readonly ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined
    readonly cert?: string | Buffer | undefined
    readonly key?: string | Buffer | undefined
    readonly servername?: string | undefined
  } | undefined
  readonly insecureSkipTlsVerify?: boolean | undefined
  readonly socketPath?: string | undefined
  readonly proxy?: string | undefined
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
