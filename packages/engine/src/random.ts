import { randomInt } from 'node:crypto'

/**
 * Injected randomness, so that seeded tests are deterministic: each call gives a number in
 * [0, 1), as `Math.random` does (a seeded generator's `next` fits).
 */
export type Random = () => number

/** The default randomness: the operating system's cryptographic generator, 32 bits a call. */
export const systemRandom: Random = () => randomInt(2 ** 32) / 2 ** 32
