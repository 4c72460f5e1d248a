/**
 * A plugin is a record of optional hooks, each an Effect, run at fixed points of every
 * call (see ARCHITECTURE.md for the order). A stateful plugin is built by a scoped
 * Effect: its state lives as long as the client, its close is a finalizer.
 *
 * @since 0.1.0
 */
import type { Effect, Exit, Scope } from "effect"
import type { CallError, CoreError, ParseError } from "./Errors.js"
import type { ServiceResponse } from "./ServiceResponse.js"
import type { Session } from "./Session.js"
import type * as Setting from "./Setting.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId = "~@service-client/core/Plugin" as const

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A hook on the session; it fails with a core error or the plugin's own `E`.
 *
 * @since 0.1.0
 * @category models
 */
export type SessionHook<E = never> = (session: Session) => Effect.Effect<void, CoreError | E>

/**
 * A hook on the session and the response.
 *
 * @since 0.1.0
 * @category models
 */
export type ResponseHook<E = never> = (
  session: Session,
  response: ServiceResponse
) => Effect.Effect<void, CoreError | E>

/**
 * The send: the transport, then `onResponse`, the body read and `onRead`. It may fail with
 * the errors of the plugins inside this one, which this plugin does not know
 * (`CallError`): an `aroundSend` hook passes them on.
 *
 * @since 0.1.0
 * @category models
 */
export type Send = Effect.Effect<ServiceResponse, CallError>

/**
 * Gives back what an `enterSend` hook took, once the send is over (succeeded, failed or
 * interrupted); it gets the call's session, so one function can serve every call, and how
 * the send ended: the response, the failure's cause, or the interruption (an interrupt
 * cause, when the fiber ended before the send's continuation ran). A hook that only needs
 * to observe the outcome (Metrics counts by status) is an `enterSend` hook too, and costs
 * no runtime step, where an `aroundSend` with `Effect.onExit` costs ~9. It runs
 * synchronously; an Effect it answers is what is left to do (run uninterruptibly),
 * `undefined` or `Effect.void` when it was all done at once.
 *
 * @since 0.1.0
 * @category models
 */
export type LeaveSend = (
  session: Session,
  exit: Exit.Exit<ServiceResponse, CallError>
) => Effect.Effect<void> | undefined | void

/**
 * What an `enterSend` hook answers: how to give back what it took at once (`LeaveSend`),
 * `undefined` when it took nothing, or an Effect that waits, takes, and answers either.
 *
 * @since 0.1.0
 * @category models
 */
export type Entered<E = never> = LeaveSend | undefined | Effect.Effect<LeaveSend | undefined, CoreError | E>

/**
 * The hooks, in call order. `E` is the plugin's own errors: what its hooks may fail with
 * besides the core's errors. A client's error type is the core's errors plus the `E` of
 * each of its plugins.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hooks<out E = never> {
  /** 1. The session is new: TrackingToken sets its token. */
  readonly prepareSession?: SessionHook<E> | undefined
  /** 2. Before the path is filled from `session.pathTokens`: PathTokens adds defaults. */
  readonly preparePath?: SessionHook<E> | undefined
  /** 3. Before the URL is built from `session.query` and headers are checked: Headers, QueryParams. */
  readonly prepareRequest?: SessionHook<E> | undefined
  /** 4. Before serialization (`session.payload`): OuterLogger. */
  readonly preparePayload?: SessionHook<E> | undefined
  /** 6. After serialization (`session.body`): InnerLogger. */
  readonly beforeRequest?: SessionHook<E> | undefined
  /**
   * 7. Wraps the send. The first plugin of the list is the outermost wrapper. Timeout,
   * Pool and RateLimit live here.
   */
  readonly aroundSend?: ((session: Session, send: Send) => Effect.Effect<ServiceResponse, CallError | E>) | undefined
  /**
   * 7. Takes something for the length of the send — a permit, a deadline — and answers
   * how to give it back (see `Entered`). Timeout, Pool and RateLimit live here. It sits
   * where `aroundSend` would (plugin order; inside the same plugin's `aroundSend`), but
   * costs less: adjacent `enterSend` hooks share one continuation and one fiber observer
   * that call their `LeaveSend`s when the send ends, and a hook that takes at once costs
   * no runtime step. A wait it answers runs interruptibly; what it takes is registered in
   * the same uninterruptible step that ends the wait.
   */
  readonly enterSend?: ((session: Session) => Entered<E>) | undefined
  /**
   * 7. Inside every `aroundSend` wrapper, right before the transport is called (after any
   * time spent waiting in Pool or RateLimit): Elapsed takes its start time here.
   */
  readonly onSend?: SessionHook<E> | undefined
  /** 8. The status and headers arrived. */
  readonly onResponse?: ResponseHook<E> | undefined
  /** 8. The send failed (transport error, timeout, limiter...); the error is re-raised after. */
  readonly onException?: ((session: Session, error: CallError) => Effect.Effect<void>) | undefined
  /** 9. The body was read (`response.body`); not called for a streamed 2xx response. */
  readonly onRead?: ResponseHook<E> | undefined
  /** 10. The body was parsed and decoded (`response.data`). */
  readonly onParsedResponse?: ResponseHook<E> | undefined
  /** 10. Parsing or decoding failed; the error is re-raised after. */
  readonly onParseException?: ((session: Session, error: ParseError) => Effect.Effect<void>) | undefined
  /** When the client's scope closes. */
  readonly close?: Effect.Effect<void> | undefined
}

/**
 * A plugin whose hooks may fail with its own errors `E` (besides the core's).
 *
 * @since 0.1.0
 * @category models
 */
export interface Plugin<out E = never> extends Hooks<E> {
  readonly [TypeId]: TypeId
  readonly name: string
  /**
   * Whether every wait in this plugin's `aroundSend`, `enterSend`, `onSend`, `onResponse` and `onRead`
   * hooks ends at the session's deadline (see `Deadline`). The core bounds the hooks of
   * the other plugins with `Deadline.bound` while a deadline is set.
   */
  readonly honoursDeadline?: boolean | undefined
  /** The settings it owns (see `Options.settings`). */
  readonly settings?: ReadonlyArray<Setting.Setting<any>> | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The plugin's waits end at the session's deadline (default false: the core bounds them). */
  readonly honoursDeadline?: boolean | undefined
  /**
   * The endpoint settings and call-input keys the plugin owns (`Setting.make`): a spec
   * file, `Spec.make` or a config may set them on an endpoint, a call may pass the ones
   * marked `call`; the client decodes them with their Schemas.
   */
  readonly settings?: ReadonlyArray<Setting.Setting<any>> | undefined
}

/**
 * A plugin or the scoped Effect that builds one.
 *
 * @since 0.1.0
 * @category models
 */
export type PluginLike = Plugin<any> | Effect.Effect<Plugin<any>, any, any>

/**
 * The errors a plugin adds to a client's error type (its hooks' own errors), for a plugin,
 * the Effect building one, or a list of them: `Plugin.ErrorOf<typeof plugins>`.
 *
 * **Example**
 *
 * ```ts
 * const plugins = [Timeout.make(), Pool.make({ limit: 10 })] as const
 * class UserService extends Effect.Tag("UserService")<
 *   UserService,
 *   ServiceClient.Client<typeof UserApi, Plugin.ErrorOf<typeof plugins>>
 * >() {}
 * ```
 *
 * @since 0.1.0
 * @category type-level
 */
export type ErrorOf<P> = P extends ReadonlyArray<infer Q> ? ErrorOfOne<Q> : ErrorOfOne<P>

type ErrorOfOne<P> = P extends Plugin<infer E> ? E
  : P extends Effect.Effect<Plugin<infer E>, any, any> ? E
  : never

/**
 * The errors of building a plugin (an Effect that builds one).
 *
 * @since 0.1.0
 * @category type-level
 */
export type BuildErrorOf<P> = P extends Effect.Effect<Plugin<any>, infer E, any> ? E : never

/**
 * @since 0.1.0
 * @category type-level
 */
export type ContextOf<P> = P extends Effect.Effect<Plugin<any>, any, infer R> ? Exclude<R, Scope.Scope> : never

/**
 * Builds a plugin from its hooks. Its own error type is inferred from what the hooks fail
 * with, less the core's errors and the errors of other plugins it passes on (the send
 * an `aroundSend` hook wraps): a hook failing with `CircuitOpen` makes a
 * `Plugin<CircuitOpen>`, whose client lists `CircuitOpen` in every method's error type.
 *
 * **Example**
 *
 * ```ts
 * class CircuitOpen extends Data.TaggedError("CircuitOpen")<{ readonly service: string }> {}
 * const breaker = Plugin.make("Breaker", {
 *   prepareSession: (session) => open ? Effect.fail(new CircuitOpen({ service: session.service })) : Effect.void
 * }) // Plugin.Plugin<CircuitOpen>
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E = never>(name: string, hooks: Hooks<E>, options?: Options): Plugin<Exclude<E, CallError>> =>
  ({
    ...hooks,
    [TypeId]: TypeId,
    name,
    honoursDeadline: options?.honoursDeadline === true,
    settings: options?.settings ?? []
  }) as Plugin<any>

/**
 * @since 0.1.0
 * @category guards
 */
export const isPlugin = (u: unknown): u is Plugin<any> => typeof u === "object" && u !== null && TypeId in u
