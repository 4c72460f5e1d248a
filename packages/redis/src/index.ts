/**
 * Pool and RateLimit shared by many processes through Redis (ioredis), and distributed
 * limiters for other work.
 *
 * @since 0.1.0
 */
export * as RedisLimiter from "./RedisLimiter.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as RedisStore from "./RedisStore.js"
