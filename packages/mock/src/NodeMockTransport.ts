/**
 * `MockTransport.layer` with Node's `FileSystem` provided, for tests on Node (and Bun).
 * Imported by its own path (`@service-client/mock/NodeMockTransport`) so that the main
 * entry stays free of Node modules.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import type { Transport } from "@service-client/core"
import { Layer } from "effect"
import type * as Mock from "./Mock.js"
import * as MockTransport from "./MockTransport.js"

/**
 * The mock transport and a fresh `Mock.Registry`, reading file mocks with Node's file system.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Transport.Transport | Mock.Registry> = MockTransport.layer.pipe(
  Layer.provide(NodeFileSystem.layer)
)
