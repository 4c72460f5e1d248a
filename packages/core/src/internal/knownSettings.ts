/**
 * The settings of the plugins this project ships, by key: only names, so that a spec that
 * sets one on a client without its plugin gets an error saying which plugin to add, and so
 * that a path token never takes the name of their call-input keys. The core reads none of
 * these values (each plugin decodes its own, `Setting`).
 *
 * @internal
 */

/** @internal */
export interface Known {
  /** The plugin (or plugins) that read the key. */
  readonly plugin: string
  /** What to add to the client's `plugins`. */
  readonly add: string
  /** Whether a call's input may set it too. */
  readonly call: boolean
  /** Whether an endpoint may set it (false: a call-input key only). */
  readonly endpoint: boolean
}

const known = (plugin: string, call: boolean, add = `${plugin}.make()`, endpoint = true): Known => ({
  plugin,
  add,
  call,
  endpoint
})

/** @internal */
export const knownSettings: ReadonlyMap<string, Known> = new Map([
  ["timeout", known("Timeout", true)],
  ["elapsed", known("Elapsed", true)],
  ["logger", known("OuterLogger or InnerLogger", false, "OuterLogger.make() or InnerLogger.make()")],
  ["retry", known("Retry", true)],
  ["circuitBreaker", known("CircuitBreaker", false)],
  ["idempotencyKey", known("IdempotencyKey", true)],
  ["coalesce", known("Coalesce", false)],
  ["cache", known("HttpCache", false)],
  ["hedge", known("Hedge", true)],
  ["chaos", known("Chaos", true)],
  ["trackingToken", known("TrackingToken", true, "TrackingToken.make()", false)],
  ["trackingTokenPrefix", known("TrackingToken", true, "TrackingToken.make()", false)]
])

/** The call-input keys of those plugins: no path token takes one of these names. @internal */
export const knownCallKeys: ReadonlyArray<string> = [...knownSettings].filter(([, k]) => k.call).map(([key]) => key)

/**
 * Why a key no plugin of the client reads was refused, naming the plugin that reads it
 * when it is one of this project's.
 *
 * @internal
 */
export const hint = (key: string, where: "endpoint" | "call"): string | undefined => {
  const k = knownSettings.get(key)
  return k === undefined || (where === "endpoint" ? !k.endpoint : !k.call)
    ? undefined
    : `\`${key}\` is read by the ${k.plugin} plugin; add ${k.add} to plugins`
}
