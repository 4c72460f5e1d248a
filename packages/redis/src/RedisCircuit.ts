/**
 * CircuitBreaker circuits shared by processes through Redis: failures seen by one replica
 * open the circuit for every replica, and a half-open circuit lets one probe through
 * across all of them.
 *
 * - **State in Redis**: each circuit's state, failure window and probes in flight are
 *   changed only by Lua scripts (atomic), on Redis's clock.
 * - **Pushed, not polled**: a transition is published (pub/sub); each process keeps a view
 *   of its circuits and decides a call against it without a Redis command (a closed
 *   circuit, or an open one before its probe time). Redis is asked when a process first
 *   uses a circuit, when an open circuit is due for a probe, for a half-open circuit, and
 *   to record an outcome: a failure is awaited (it may open the circuit), a success is
 *   sent without waiting.
 * - **Bounded staleness**: a process that missed a message (a reconnection) learns the
 *   state from the answer to its next recorded outcome, so it lets at most the calls it
 *   had in flight plus one more through an open circuit; those outcomes are not counted
 *   (the circuit's generation moved).
 * - **Redis unavailable**: each circuit falls back to a circuit in this process (the same
 *   thresholds, counting from zero), logged once as a warning, so a Redis outage neither
 *   stops the calls nor leaves the service unprotected; the circuit goes back to Redis's
 *   state when a command succeeds again (tried in the background at most once a second).
 * - A probe's place is a lease (`probeTtl`): a process that dies during its probe frees it.
 *
 * @since 0.3.0
 */
import * as Render from "@service-client/core/Render"
import * as CircuitBreaker from "@service-client/plugins/CircuitBreaker"
import * as CircuitStore from "@service-client/plugins/CircuitStore"
import { Duration, Effect, Either, Option, type Scope } from "effect"
import * as Scripts from "./internal/circuitScripts.js"
import { RedisStore, StoreFailure } from "./RedisStore.js"

/**
 * @since 0.3.0
 * @category models
 */
export interface StoreOptions {
  /**
   * How long a probe holds its place without an answer (its process may have died).
   * Default: the store's `leaseTtl` (10 seconds).
   */
  readonly probeTtl?: Duration.DurationInput | undefined
  /** Longest wait for a command before the circuit decides locally. Default 1 second. */
  readonly commandTimeout?: Duration.DurationInput | undefined
}

/** The answer of every script: state, generation, ms until the next probe, event, calls, failures. */
type Reply = [CircuitStore.State, number, number, "" | "probe" | "opened" | "closed", number, number]

type Command = (...args: Array<string | number>) => Promise<unknown>

/** A finite duration > 0 in ms; a bad option is a defect (a mistake in code), as for the Redis limiters. */
const millis = (key: string, input: Duration.DurationInput | undefined, fallback: number): Effect.Effect<number> => {
  if (input === undefined) return Effect.succeed(fallback)
  const decoded = Duration.decodeUnknown(input)
  const ms = Option.isSome(decoded) ? Duration.toMillis(decoded.value) : NaN
  return ms > 0 && Number.isFinite(ms)
    ? Effect.succeed(ms)
    : Effect.dieMessage(`RedisCircuit: invalid ${key}: ${Render.value(input)}`)
}

/** How often a circuit that fell back to this process tries Redis again (ms). */
const reviveEvery = 1000

let processIds = 0

/**
 * The circuit store on the `RedisStore` in context: give it to `CircuitBreaker.make({ store })`.
 * Processes share a circuit when they share the store's `prefix` and the circuit's key (the
 * service name, `service.endpoint` or the origin; see `CircuitBreaker.Options.scope`), and
 * should give it the same thresholds (each command carries its caller's).
 *
 * **Example**
 *
 * ```ts
 * const store = yield* RedisCircuit.store()
 * const client = yield* ServiceClient.make(Api, {
 *   name: "users",
 *   baseUrl,
 *   plugins: [CircuitBreaker.make({ store, failureRate: 0.5, openFor: "10 seconds" })]
 * })
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const store = (
  options: StoreOptions = {}
): Effect.Effect<CircuitStore.Store, never, RedisStore | Scope.Scope> =>
  Effect.gen(function*() {
    const redisStore = yield* RedisStore
    const probeTtl = yield* millis("probeTtl", options.probeTtl, redisStore.leaseTtl)
    const timeout = Duration.millis(yield* millis("commandTimeout", options.commandTimeout, 1000))
    const redis = redisStore.redis
    for (const [name, lua] of Object.entries(Scripts.commands)) {
      if (!(name in redis)) redis.defineCommand(name, { lua, numberOfKeys: 3 })
    }
    const commands = redis as unknown as Record<Scripts.ScriptName, Command>
    const channel = `${redisStore.prefix}:circuits`
    const circuits = new Map<string, Array<SharedCircuit>>()
    const owner = `${process.pid}-${++processIds}-${Math.random().toString(36).slice(2, 8)}`

    yield* redisStore.subscribe(channel, (message) => {
      let parsed: { k?: unknown; s?: unknown; g?: unknown; r?: unknown }
      try {
        parsed = JSON.parse(message)
      } catch {
        return
      }
      if (typeof parsed.k !== "string" || typeof parsed.g !== "number" || typeof parsed.r !== "number") return
      const state = parsed.s
      if (state !== "closed" && state !== "open" && state !== "half-open") return
      for (const circuit of circuits.get(parsed.k) ?? []) circuit.update(state, parsed.g, parsed.r)
    })

    const env: Env = {
      prefix: redisStore.prefix,
      channel,
      probeTtl,
      owner,
      send: (script, keys, args) => commands[script](...keys, ...args) as Promise<Reply>,
      run: (script, keys, args) =>
        Effect.tryPromise({
          try: () => commands[script](...keys, ...args) as Promise<Reply>,
          catch: (cause) => new StoreFailure({ reason: cause instanceof Error ? cause.message : String(cause), cause })
        }).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new StoreFailure({ reason: `no answer within ${Duration.format(timeout)}` })
          })
        )
    }
    return {
      make: (key, thresholds) => {
        const circuit = new SharedCircuit(key, thresholds, env)
        const list = circuits.get(key)
        if (list === undefined) circuits.set(key, [circuit])
        else list.push(circuit)
        return circuit
      }
    }
  })

/**
 * The options of {@link make}: CircuitBreaker's (but `store`) and the store's.
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends Omit<CircuitBreaker.Options, "store">, StoreOptions {}

/**
 * `CircuitBreaker.make` with its circuits in Redis ({@link store} with its defaults).
 *
 * **Example** (One breaker for every replica)
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const breaker = yield* RedisCircuit.make({ window: { calls: 20 }, openFor: "10 seconds" })
 *   const client = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [Retry.make(), breaker] })
 *   // ...
 * }).pipe(Effect.scoped, Effect.provide(RedisStore.layer({ url: "redis://redis:6379", prefix: "shop" })))
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<CircuitBreaker.CircuitBreaker, never, RedisStore | Scope.Scope> => {
  const { commandTimeout, probeTtl, ...breaker } = options
  return Effect.map(store({ commandTimeout, probeTtl }), (store) => CircuitBreaker.make({ ...breaker, store }))
}

interface Env {
  readonly prefix: string
  readonly channel: string
  readonly probeTtl: number
  readonly owner: string
  /** A command whose answer nobody waits for. */
  readonly send: (
    script: Scripts.ScriptName,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string | number>
  ) => Promise<Reply>
  readonly run: (
    script: Scripts.ScriptName,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string | number>
  ) => Effect.Effect<Reply, StoreFailure>
}

/** One circuit in Redis, with this process's view of it and a local circuit for when Redis is unavailable. */
class SharedCircuit implements CircuitStore.Circuit {
  private view: CircuitStore.State = "closed"
  private gen = 0
  /** When the open circuit is due for a probe (ms, this process's clock). */
  private probeAt = 0
  /** Whether the view was read from Redis once. */
  private synced = false
  /** Redis failed: this process decides with `local` until a command succeeds again. */
  private degraded = false
  private reviveAt = 0
  private readonly local: CircuitStore.MemoryCircuit
  /** The ids of this process's probes in flight (any of them frees a place: they are all this process's). */
  private readonly probes: Array<string | null> = []
  private probeIds = 0
  private readonly keys: ReadonlyArray<string>
  private readonly args: Array<string | number>

  constructor(readonly key: string, t: CircuitStore.Thresholds, private readonly env: Env) {
    this.local = CircuitStore.memory.make(key, t)
    const base = `${env.prefix}:circuit:{${key}}`
    this.keys = [base, `${base}:w`, `${base}:p`]
    const windowMs = t.window._tag === "Time" ? t.window.ms : 0
    this.args = [
      t.window._tag === "Count" ? "c" : "t",
      t.window._tag === "Count" ? t.window.size : t.window.ms,
      t.window._tag === "Time" ? t.window.buckets : 1,
      t.failureRate,
      t.minimumCalls,
      t.openFor,
      t.probes,
      Math.max(24 * 3600 * 1000, 2 * t.openFor, 2 * windowMs),
      env.probeTtl,
      env.channel,
      key,
      0,
      -1,
      ""
    ]
  }

  get state(): CircuitStore.State {
    return this.degraded ? this.local.state : this.view
  }

  get generation(): number {
    // the local circuit's generations are negative: never equal to one of Redis
    return this.degraded ? -1 - this.local.generation : this.gen
  }

  readonly refuses = (at: number): boolean =>
    this.degraded ? this.local.refuses(at) : this.view === "open" && at < this.probeAt

  /** A newer state, from a message or an answer (an older generation is ignored). */
  update(state: CircuitStore.State, gen: number, retryIn: number): void {
    if (gen < this.gen) return
    this.view = state
    this.gen = gen
    this.probeAt = state === "open" ? Date.now() + retryIn : 0
  }

  private argsWith(outcome: number, id: string): Array<string | number> {
    const args = this.args.slice()
    args[11] = this.gen
    args[12] = outcome
    args[13] = id
    return args
  }

  private apply(reply: Reply): Reply {
    this.synced = true
    this.degraded = false
    this.update(reply[0], Number(reply[1]), Number(reply[2]))
    return reply
  }

  /** Redis failed: decide locally from now on (logged when it starts), and try Redis again later. */
  private fallBack(failure: StoreFailure): Effect.Effect<void> {
    this.reviveAt = Date.now() + reviveEvery
    if (this.degraded) return Effect.void
    this.degraded = true
    return Effect.logWarning(
      `circuit "${this.key}": Redis unavailable (${failure.reason}); deciding in this process until it answers again`
    ).pipe(Effect.annotateLogs({ circuit: this.key }))
  }

  /** While degraded, asks Redis for the state in the background, at most once a second. */
  private revive(): void {
    const now = Date.now()
    if (now < this.reviveAt) return
    this.reviveAt = now + reviveEvery
    this.env.send("scCircuitRead", this.keys, this.argsWith(-1, "")).then((reply) => this.apply(reply), () => {})
  }

  enter(now: number): CircuitStore.Entered | Effect.Effect<CircuitStore.Entered> {
    if (this.degraded) {
      this.revive()
      const entered = this.local.enter(now)
      if (entered === "half-open") this.probes.push(null)
      return entered
    }
    if (this.synced) {
      if (this.view === "closed") return "closed"
      if (this.view === "open" && now < this.probeAt) return this.probeAt - now
    }
    const id = `${this.env.owner}:${++this.probeIds}`
    const script = this.synced ? "scCircuitEnter" : "scCircuitRead"
    return Effect.flatMap(Effect.either(this.env.run(script, this.keys, this.argsWith(-1, id))), (reply) => {
      if (Either.isLeft(reply)) return Effect.as(this.fallBack(reply.left), this.localEnter(now))
      const [state, , retryIn, event] = this.apply(reply.right)
      if (event === "probe") {
        this.probes.push(id)
        return Effect.succeed("half-open" as const)
      }
      // a first read that finds the circuit due for a probe asks again to take one
      if (script === "scCircuitRead" && state !== "closed" && (state === "half-open" || retryIn <= 0)) {
        return this.enterEffect(now)
      }
      return Effect.succeed(state === "closed" ? "closed" as const : state === "open" ? Number(retryIn) : 0)
    })
  }

  private enterEffect(now: number): Effect.Effect<CircuitStore.Entered> {
    const entered = this.enter(now)
    return Effect.isEffect(entered) ? entered : Effect.succeed(entered)
  }

  private localEnter(now: number): CircuitStore.Entered {
    const entered = this.local.enter(now)
    if (entered === "half-open") this.probes.push(null)
    return entered
  }

  record(failed: boolean, now: number): CircuitStore.Transition | Effect.Effect<CircuitStore.Transition> {
    if (this.degraded) {
      this.revive()
      return this.local.record(failed, now)
    }
    const args = this.argsWith(failed ? 1 : 0, "")
    if (!failed) {
      // nothing to wait for: a success never opens a circuit (the answer still refreshes the view)
      this.env.send("scCircuitRecord", this.keys, args).then((reply) => this.apply(reply), () => {})
      return undefined
    }
    return Effect.flatMap(Effect.either(this.env.run("scCircuitRecord", this.keys, args)), (reply) => {
      if (Either.isLeft(reply)) return Effect.as(this.fallBack(reply.left), this.local.record(true, now))
      const [, , , event, calls, failures] = this.apply(reply.right)
      return Effect.succeed(
        event === "opened" ? { from: "closed" as const, to: "open" as const, calls, failures } : undefined
      )
    })
  }

  probed(failed: boolean | undefined, now: number): CircuitStore.Transition | Effect.Effect<CircuitStore.Transition> {
    const id = this.probes.shift()
    if (id === null || id === undefined) return this.local.probed(failed, now)
    const args = this.argsWith(failed === undefined ? -1 : failed ? 1 : 0, id)
    return Effect.flatMap(Effect.either(this.env.run("scCircuitProbed", this.keys, args)), (reply) => {
      // the probe's place is a lease: it frees itself in Redis after probeTtl
      if (Either.isLeft(reply)) return Effect.as(this.fallBack(reply.left), undefined)
      const [, , , event] = this.apply(reply.right)
      return Effect.succeed<CircuitStore.Transition>(
        event === "opened"
          ? { from: "half-open", to: "open" }
          : event === "closed"
          ? { from: "half-open", to: "closed" }
          : undefined
      )
    })
  }
}
