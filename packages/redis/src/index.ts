/**
 * Pool and RateLimit shared by many processes through Redis (ioredis), and distributed
 * limiters for other work.
 *
 * @since 0.1.0
 */
/**
 * @since 0.3.0
 * @category modules
 */
export * as RedisCircuit from "./RedisCircuit.js"
/**
 * @since 0.1.0
 * @category modules
 */
export * as RedisLimiter from "./RedisLimiter.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as RedisStore from "./RedisStore.js"
