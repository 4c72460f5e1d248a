/**
 * @since 0.1.0
 */
export * as Attribute from "./Attribute.js"
export * as ClientConfig from "./ClientConfig.js"
export * as Deadline from "./Deadline.js"
export * as Endpoint from "./Endpoint.js"
export * as Errors from "./Errors.js"
export * as EventStream from "./EventStream.js"
export * as Header from "./Header.js"
export * as JsonSchema from "./JsonSchema.js"
export * as OpenApi from "./OpenApi.js"
export * as OpenApiSpec from "./OpenApiSpec.js"
export * as Pagination from "./Pagination.js"
export * as Parser from "./Parser.js"
export * as Plugin from "./Plugin.js"
export * as PluginRegistry from "./PluginRegistry.js"
export * as Redact from "./Redact.js"
export * as Render from "./Render.js"
export * as Serializer from "./Serializer.js"
export * as ServiceClient from "./ServiceClient.js"
export * as ServiceResponse from "./ServiceResponse.js"
export * as Session from "./Session.js"
export * as Setting from "./Setting.js"
export * as Spec from "./Spec.js"
export * as SpecLoader from "./SpecLoader.js"
export * as Transport from "./Transport.js"
export {
  ClientClosed,
  InputError,
  NoMock,
  ParseError,
  PluginError,
  RequestError,
  ResponseError,
  SpecError,
  TimeoutError
} from "./Errors.js"
export type { AnyPluginError, CallError, CoreError } from "./Errors.js"
