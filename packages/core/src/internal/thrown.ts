/**
 * What a thrown value says of itself, for error messages.
 *
 * @internal
 */
import * as Render from "../Render.js"

/** An Error's message, else the value as a string. @internal */
export const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** {@link message} bounded and escaped, without throwing again (a throwing getter, a Symbol...). @internal */
export const shown = (e: unknown, max: number = 200): string => {
  try {
    return Render.text(message(e), max)
  } catch {
    return "[Threw]"
  }
}
