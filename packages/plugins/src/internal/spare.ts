/**
 * How Hedge takes a permit for its second request without waiting: Hedge marks the calls
 * it may hedge (a hidden attribute, before the send), and every Pool and RateLimit the
 * call enters puts its offer there. Hedge asks each offer when it is about to hedge; if
 * one has no free permit (or someone waits for it), there is no hedge: a hedge never
 * queues behind real calls and never sends more than a limit allows.
 *
 * A limiter entered inside Hedge (listed after it) would see the hedge's request pass
 * through its own wait: it marks the call, and such a call is never hedged.
 *
 * @internal
 */
import * as Attribute from "@service-client/core/Attribute"
import type * as Plugin from "@service-client/core/Plugin"
import type { Session } from "@service-client/core/Session"
import { Effect } from "effect"

/**
 * One limiter's offer: takes a permit if one is free now and nobody waits, and answers how
 * to give it back once the hedge's send is over; `undefined` when none is free.
 *
 * @internal
 */
export type Offer = (session: Session) => Effect.Effect<Plugin.LeaveSend | undefined>

/** @internal */
export interface Spares {
  /** The offers of the limiters the call entered before Hedge's send began. */
  readonly outside: Array<Offer>
  /** Hedge's send is running: a limiter entered now is inside it. */
  hedging: boolean
  /** A limiter was entered inside Hedge: never hedge. */
  inside: boolean
}

const spares: Attribute.Attribute<Spares> = Attribute.make<Spares>("spares", { hidden: true })

// no call was ever marked (no Hedge in this program): a limiter's offer looks nothing up
let marking = false

/** Hedge: this call may be hedged (before the send). @internal */
export const mark = (session: Session): Spares => {
  marking = true
  const current = spares.get(session)
  if (current !== undefined) return current
  const fresh: Spares = { outside: [], hedging: false, inside: false }
  spares.set(session, fresh)
  return fresh
}

/** The spares of a call Hedge marked. @internal */
export const get = (session: Session): Spares | undefined => spares.get(session)

/** Pool, RateLimit: offers a permit to a hedge of this call (nothing unless Hedge marked it). @internal */
export const offer = (session: Session, offer: Offer): void => {
  if (!marking) return
  const s = spares.get(session)
  if (s === undefined) return
  if (s.hedging) s.inside = true
  else if (!s.outside.includes(offer)) s.outside.push(offer)
}

/** The send hooks of a store's limiter (see `LimiterStore.Limiter`). @internal */
export interface Hooks<E> {
  readonly enterSend?: ((session: Session) => Plugin.Entered<E>) | undefined
  readonly aroundSend?: ((session: Session, send: Plugin.Send) => Effect.Effect<any, any>) | undefined
  readonly onResponse?: Plugin.ResponseHook<E> | undefined
  readonly tryEnter?: Offer | undefined
}

const none: Offer = () => Effect.succeed(undefined)

/**
 * Pool, RateLimit: the limiter's hooks, each entry offering `tryEnter` to a hedge of the
 * call (a store without `tryEnter` offers nothing: such a call is never hedged).
 *
 * @internal
 */
export const offering = <E, H extends Hooks<E>>(limiter: H): Omit<H, "tryEnter"> => {
  const { tryEnter = none, ...hooks } = limiter
  const { aroundSend, enterSend } = hooks
  return {
    ...hooks,
    enterSend: enterSend === undefined ? undefined : (session: Session) => {
      offer(session, tryEnter)
      return enterSend(session)
    },
    aroundSend: aroundSend === undefined ? undefined : (session: Session, send: Plugin.Send) => {
      offer(session, tryEnter)
      return aroundSend(session, send)
    }
  }
}
