/**
 * The model of an OpenAPI document that \`OpenApiSpec\` exports (written here so that the
 * parser in \`operations.ts\` and \`OpenApiSpec\` import it without importing each other).
 *
 * @internal
 */
import type * as Endpoint from "../../Endpoint.js"
import type * as JsonSchema from "../../JsonSchema.js"
import type * as OpenApi from "../../OpenApi.js"

/**
 * A path, query or header parameter.
 *
 * @since 0.1.0
 * @category models
 */
export interface Parameter {
  /** The name the call input uses (a path token's may differ from the document's). */
  readonly name: string
  /** The document's name, when the token name differs. */
  readonly wireName?: string | undefined
  readonly required: boolean
  readonly node: JsonSchema.Node
  readonly style?: OpenApi.Style | undefined
  readonly explode?: boolean | undefined
  readonly description?: string | undefined
  readonly deprecated?: boolean | undefined
}

/**
 * A request body: `json` and `form` are typed by their schema, `binary` is sent as it is
 * (a `streamRequest` endpoint), `other` media types are not typed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Body {
  readonly kind: "json" | "form" | "binary" | "other"
  readonly mediaType: string
  readonly node: JsonSchema.Node
  readonly required: boolean
}

/**
 * A non-2xx response with a JSON body: `status` is `"404"`, `"4XX"` or `"default"`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorResponse {
  readonly status: string
  readonly node: JsonSchema.Node
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Operation {
  /** The endpoint name (see `SpecLoader.openapi` for the rule). */
  readonly name: string
  readonly operationId?: string | undefined
  readonly method: Endpoint.Method
  /** The path template, with token names the client accepts. */
  readonly path: string
  /** The JSON pointer of the operation in its document. */
  readonly pointer: string
  readonly summary?: string | undefined
  readonly description?: string | undefined
  readonly deprecated?: boolean | undefined
  /** The document's `tags`. */
  readonly tags?: ReadonlyArray<string> | undefined
  readonly pathParams: ReadonlyArray<Parameter>
  readonly query: ReadonlyArray<Parameter>
  readonly headers: ReadonlyArray<Parameter>
  readonly body?: Body | undefined
  /**
   * The media type of the request body the document gives a GET or HEAD operation: left
   * out (the client sends no body with those methods), so that the input has no payload.
   */
  readonly ignoredBody?: string | undefined
  /** The 2xx JSON body (a union when several 2xx responses differ). */
  readonly success?: JsonSchema.Node | undefined
  readonly errors: ReadonlyArray<ErrorResponse>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Api {
  readonly title?: string | undefined
  readonly version?: string | undefined
  readonly description?: string | undefined
  /** The first server's absolute URL (variables at their defaults), if any. */
  readonly baseUrl?: string | undefined
  readonly operations: ReadonlyArray<Operation>
  readonly definitions: JsonSchema.Definitions
}
