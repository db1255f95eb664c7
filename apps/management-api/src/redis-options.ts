/**
 * How long the API waits for a Redis command (sessions, rate-limit counters, the link cache) before it answers a
 * retryable 503. The redirect edge keeps the shared 500 ms: a visitor's redirect must not wait on Redis. A person
 * or a script calling the API is better served by a slower answer on a busy host than by a 503 (a two-core host
 * running the whole stack and its tests saw single commands take over 500 ms), and 2 s still bounds what a hung
 * Redis can stall.
 */
export const API_REDIS_COMMAND_TIMEOUT_MS = 2000;
