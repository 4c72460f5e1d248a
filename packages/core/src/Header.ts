/**
 * Header checks shared by the core and the plugins: names are RFC 9110 tokens, values
 * are RFC 9110 field values, and the headers the transport owns (`host`, framing) cannot
 * be set by a caller.
 *
 * @since 0.1.0
 */
import { checkHeader } from "./internal/headers.js"

/**
 * The reason a header is invalid, or `undefined` when it may be sent.
 *
 * @since 0.1.0
 * @category guards
 */
export const check: (name: string, value: unknown) => string | undefined = checkHeader
