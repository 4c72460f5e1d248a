/**
 * TestClock with a real server: the clock may only be moved once the program is asleep on
 * it (the server's answer arrives in real time). Bounded real-time polling.
 */
import { Chunk, Clock, type Duration, Effect, TestClock } from "effect"

const tick = Effect.promise(() => new Promise<void>((r) => setTimeout(r, 2)))

/** Waits (real time, at most ~5 s) until some fiber sleeps on the TestClock. */
export const untilAsleep = Effect.gen(function*() {
  for (let i = 0; i < 2500; i++) {
    if (Chunk.size(yield* TestClock.sleeps()) > 0) return
    yield* tick
  }
  return yield* Effect.die(new Error("nothing ever slept on the TestClock"))
})

/** Moves the TestClock by `duration` once something sleeps on it. */
export const advance = (duration: Duration.DurationInput) => Effect.zipRight(untilAsleep, TestClock.adjust(duration))

/** Waits (real time, bounded) until `done()` holds. */
export const waitFor = (done: () => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 2500 && !done(); i++) await new Promise((r) => setTimeout(r, 2))
    if (!done()) throw new Error("the condition never held")
  })

/** The live clock, for a part of a TestClock test that must wait in real time. */
export const live: Clock.Clock = Clock.make()
