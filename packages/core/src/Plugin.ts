/**
 * A plugin is a record of optional hooks, each an Effect, run at fixed points of every
 * call (see ARCHITECTURE.md for the order). A stateful plugin is built by a scoped
 * Effect: its state lives as long as the client, its close is a finalizer.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import type { CallError, ParseError } from "./Errors.js"
import type { ServiceResponse } from "./ServiceResponse.js"
import type { Session } from "./Session.js"

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
 * A hook on the session.
 *
 * @since 0.1.0
 * @category models
 */
export type SessionHook = (session: Session) => Effect.Effect<void, CallError>

/**
 * A hook on the session and the response.
 *
 * @since 0.1.0
 * @category models
 */
export type ResponseHook = (session: Session, response: ServiceResponse) => Effect.Effect<void, CallError>

/**
 * The send: the transport, then `onResponse`, the body read and `onRead`.
 *
 * @since 0.1.0
 * @category models
 */
export type Send = Effect.Effect<ServiceResponse, CallError>

/**
 * Gives back what an `enterSend` hook took, once the send is over (succeeded, failed or
 * interrupted); it gets the call's session, so one function can serve every call. It runs
 * synchronously; an Effect it answers is what is left to do (run
 * uninterruptibly), `undefined` or `Effect.void` when it was all done at once.
 *
 * @since 0.1.0
 * @category models
 */
export type LeaveSend = (session: Session) => Effect.Effect<void> | undefined | void

/**
 * What an `enterSend` hook answers: how to give back what it took at once (`LeaveSend`),
 * `undefined` when it took nothing, or an Effect that waits, takes, and answers either.
 *
 * @since 0.1.0
 * @category models
 */
export type Entered = LeaveSend | undefined | Effect.Effect<LeaveSend | undefined, CallError>

/**
 * The hooks, in call order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hooks {
  /** 1. The session is new: TrackingToken sets its token. */
  readonly prepareSession?: SessionHook | undefined
  /** 2. Before the path is filled from `session.pathTokens`: PathTokens adds defaults. */
  readonly preparePath?: SessionHook | undefined
  /** 3. Before the URL is built from `session.query` and headers are checked: Headers, QueryParams. */
  readonly prepareRequest?: SessionHook | undefined
  /** 4. Before serialization (`session.payload`): OuterLogger. */
  readonly preparePayload?: SessionHook | undefined
  /** 6. After serialization (`session.body`): InnerLogger. */
  readonly beforeRequest?: SessionHook | undefined
  /**
   * 7. Wraps the send. The first plugin of the list is the outermost wrapper. Timeout,
   * Pool and RateLimit live here.
   */
  readonly aroundSend?: ((session: Session, send: Send) => Send) | undefined
  /**
   * 7. Takes something for the length of the send — a permit, a deadline — and answers
   * how to give it back (see `Entered`). Timeout, Pool and RateLimit live here. It sits
   * where `aroundSend` would (plugin order; inside the same plugin's `aroundSend`), but
   * costs less: adjacent `enterSend` hooks share one continuation and one fiber observer
   * that call their `LeaveSend`s when the send ends, and a hook that takes at once costs
   * no runtime step. A wait it answers runs interruptibly; what it takes is registered in
   * the same uninterruptible step that ends the wait.
   */
  readonly enterSend?: ((session: Session) => Entered) | undefined
  /**
   * 7. Inside every `aroundSend` wrapper, right before the transport is called (after any
   * time spent waiting in Pool or RateLimit): Elapsed takes its start time here.
   */
  readonly onSend?: SessionHook | undefined
  /** 8. The status and headers arrived. */
  readonly onResponse?: ResponseHook | undefined
  /** 8. The send failed (transport error, timeout, limiter...); the error is re-raised after. */
  readonly onException?: ((session: Session, error: CallError) => Effect.Effect<void>) | undefined
  /** 9. The body was read (`response.body`); not called for a streamed 2xx response. */
  readonly onRead?: ResponseHook | undefined
  /** 10. The body was parsed and decoded (`response.data`). */
  readonly onParsedResponse?: ResponseHook | undefined
  /** 10. Parsing or decoding failed; the error is re-raised after. */
  readonly onParseException?: ((session: Session, error: ParseError) => Effect.Effect<void>) | undefined
  /** When the client's scope closes. */
  readonly close?: Effect.Effect<void> | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Plugin extends Hooks {
  readonly [TypeId]: TypeId
  readonly name: string
  /**
   * Whether every wait in this plugin's `aroundSend`, `enterSend`, `onSend`, `onResponse` and `onRead`
   * hooks ends at the session's deadline (see `Deadline`). The core bounds the hooks of
   * the other plugins with `Deadline.bound` while a deadline is set.
   */
  readonly honoursDeadline?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The plugin's waits end at the session's deadline (default false: the core bounds them). */
  readonly honoursDeadline?: boolean | undefined
}

/**
 * A plugin or the scoped Effect that builds one.
 *
 * @since 0.1.0
 * @category models
 */
export type PluginLike = Plugin | Effect.Effect<Plugin, any, any>

/**
 * @since 0.1.0
 * @category type-level
 */
export type ErrorOf<P> = P extends Effect.Effect<Plugin, infer E, any> ? E : never

/**
 * @since 0.1.0
 * @category type-level
 */
export type ContextOf<P> = P extends Effect.Effect<Plugin, any, infer R> ? Exclude<R, Scope.Scope> : never

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (name: string, hooks: Hooks, options?: Options): Plugin => ({
  ...hooks,
  [TypeId]: TypeId,
  name,
  honoursDeadline: options?.honoursDeadline === true
})

/**
 * @since 0.1.0
 * @category guards
 */
export const isPlugin = (u: unknown): u is Plugin => typeof u === "object" && u !== null && TypeId in u
