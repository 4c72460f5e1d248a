/**
 * @since 0.1.0
 */
export * as Attribute from "./Attribute.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as ClientConfig from "./ClientConfig.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Deadline from "./Deadline.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Endpoint from "./Endpoint.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Errors from "./Errors.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as EventStream from "./EventStream.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Header from "./Header.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as JsonSchema from "./JsonSchema.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as OpenApi from "./OpenApi.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as OpenApiSpec from "./OpenApiSpec.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Pagination from "./Pagination.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Parser from "./Parser.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Plugin from "./Plugin.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as PluginRegistry from "./PluginRegistry.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Redact from "./Redact.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Render from "./Render.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Serializer from "./Serializer.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as ServiceClient from "./ServiceClient.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as ServiceResponse from "./ServiceResponse.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Session from "./Session.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Setting from "./Setting.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Spec from "./Spec.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as SpecLoader from "./SpecLoader.js"
export {
  /**
   * @since 0.2.0
   * @category errors
   */
  ClientClosed,
  /**
   * @since 0.2.0
   * @category errors
   */
  InputError,
  /**
   * @since 0.2.0
   * @category errors
   */
  NoMock,
  /**
   * @since 0.2.0
   * @category errors
   */
  ParseError,
  /**
   * @since 0.2.0
   * @category errors
   */
  PluginError,
  /**
   * @since 0.2.0
   * @category errors
   */
  RequestError,
  /**
   * @since 0.2.0
   * @category errors
   */
  ResponseError,
  /**
   * @since 0.2.0
   * @category errors
   */
  SpecError,
  /**
   * @since 0.2.0
   * @category errors
   */
  TimeoutError
} from "./Errors.js"
export type {
  /**
   * @since 0.2.0
   * @category models
   */
  AnyPluginError,
  /**
   * @since 0.2.0
   * @category models
   */
  CallError,
  /**
   * @since 0.2.0
   * @category models
   */
  CoreError
} from "./Errors.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Transport from "./Transport.js"
