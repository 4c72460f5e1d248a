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
   * Whether every wait in this plugin's `aroundSend`, `onSend`, `onResponse` and `onRead`
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
