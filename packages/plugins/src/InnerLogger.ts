/**
 * InnerLogger logs what goes over the wire: the request after serialization, the raw
 * response before parsing, the send's exception and the parse exception. It logs through
 * Effect's `Logger` (a short message, the record's fields as annotations), so any Logger
 * layer routes it; `LogFormat` renders the seed's lines.
 *
 * @since 0.1.0
 */
import { Plugin } from "@service-client/core"
import type { ServiceResponse, Session, Setting } from "@service-client/core"
import { Effect } from "effect"
import * as Log from "./internal/logRecord.js"

/**
 * The endpoint's `logger` setting (`hiddenRequestBody`, `hiddenResponseBody`), shared by
 * OuterLogger and InnerLogger.
 *
 * @since 0.1.0
 * @category settings
 */
export const setting: Setting.Setting<Log.LoggerSettings> = Log.setting

declare module "@service-client/core/Endpoint" {
  interface Settings {
    /** OuterLogger/InnerLogger: bodies this endpoint's log records leave out. */
    readonly logger?: Log.LoggerSettings | undefined
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Log.LoggerOptions {}

const isSuccess = (status: number) => status >= 200 && status < 300

/**
 * The InnerLogger plugin. Hooks: `beforeRequest` (request: headers and the serialized
 * body), `onRead` (response: status, headers, raw body; `onResponse` for a streamed 2xx
 * response, whose body prints `<STREAM>`), `onException`, `onParseException`. A record
 * kind whose level is `"None"` gets no hook at all; one under the fiber's minimum log
 * level builds nothing. Throws a `SpecError` for invalid options.
 *
 * **Example**
 *
 * ```ts
 * const users = yield* ServiceClient.make(UserApi, {
 *   name: "users",
 *   baseUrl: "http://127.0.0.1:8080",
 *   plugins: [InnerLogger.make({ maxBodyLength: 500, levels: { response: "Debug" } })]
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: Options): Plugin.Plugin => {
  const cfg = Log.config("InnerLogger", options)
  const { maxBodyLength: max, redacted } = cfg
  const { exception, parseException, request, response } = cfg.levels

  const responseRecord = (session: Session.Session, res: ServiceResponse.ServiceResponse) => {
    const annotations = Log.base(cfg, "response", session)
    annotations[Log.keys.status] = res.status
    annotations[Log.keys.headers] = Log.redactHeaders(res.headers, redacted, max, session)
    annotations[Log.keys.body] = Log.bodyText(
      res.body,
      {
        hidden: Log.hiddenResponseBody(session),
        streamed: res.body === undefined
      },
      cfg,
      session
    )
    return { message: Log.message(annotations, "response", res.status), annotations }
  }
  const requestRecord = (session: Session.Session) => {
    const annotations = Log.base(cfg, "request", session)
    annotations[Log.keys.headers] = Log.redactHeaders(session.headers, redacted, max, session)
    annotations[Log.keys.body] = Log.bodyText(
      session.body,
      {
        hidden: Log.hiddenRequestBody(session),
        streamed: session.definition.streamRequest === true && session.body !== undefined
      },
      cfg,
      session
    )
    return { message: Log.message(annotations, "request"), annotations }
  }

  return Plugin.make("InnerLogger", {
    beforeRequest: request === undefined
      ? undefined
      : (session) => Log.emitEach(session, request, requestRecord, undefined),
    onResponse: response === undefined ?
      undefined :
      (session, res) =>
        session.definition.streamResponse === true && isSuccess(res.status)
          ? Log.emitEach(session, response, responseRecord, res)
          : Effect.void,
    onRead: response === undefined ? undefined : (session, res) => Log.emitEach(session, response, responseRecord, res),
    onException: exception === undefined ? undefined : (session, error) => Log.exception(cfg, session, error),
    onParseException: parseException === undefined
      ? undefined
      : (session, error) => Log.parseException(cfg, session, error)
  }, { honoursDeadline: true, settings: [Log.setting] })
}

/**
 * The headers always printed as `<REDACTED>` unless `redactDefaultHeaders: false`.
 *
 * @since 0.1.0
 */
export const defaultRedactedHeaders: ReadonlyArray<string> = Log.defaultRedactedHeaders
