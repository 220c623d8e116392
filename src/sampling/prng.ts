/**
 * Seeded pseudo-random generation: xoshiro128** (Blackman & Vigna, "Scrambled
 * linear pseudorandom number generators", ACM TOMS 2021), seeded through a
 * 32-bit splitmix-style mixer so that nearby seeds give unrelated streams.
 * Pure JavaScript, no tfjs: the same seed gives the same stream on every backend.
 */

// Math's functions bound once: hot loops here; a global lookup of `Math` is ~20x slower in a vm context (jest).
const { floor, imul, random } = Math;

const GOLDEN = 0x9e3779b9;
const TWO_POW_32 = 4294967296;
/** Scale from a 24-bit integer to [0, 1). */
const TWO_POW_MINUS_24 = 1 / 16777216;

/** Largest seed magnitude accepted: integers are exact in a double up to 2^53. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** One splitmix32 step: advances `state` by the golden ratio and mixes it (murmur3 finaliser). */
function mix32(state: number): number {
  let z = state | 0;
  z = imul(z ^ (z >>> 16), 0x85ebca6b);
  z = imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

/** A fast seeded 32-bit generator (xoshiro128**), period 2^128 - 1. */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param seed an integer with |seed| <= 2^53 - 1; both 32-bit halves enter the state. */
  constructor(seed: number) {
    const lo = seed >>> 0;
    const hi = floor(seed / TWO_POW_32) | 0;
    let state = (lo ^ mix32(hi + GOLDEN)) | 0;
    state = (state + GOLDEN) | 0;
    this.s0 = mix32(state);
    state = (state + GOLDEN) | 0;
    this.s1 = mix32(state);
    state = (state + GOLDEN) | 0;
    this.s2 = mix32(state);
    state = (state + GOLDEN) | 0;
    this.s3 = mix32(state);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next output as a signed 32-bit integer (all 32 bits random). */
  nextInt32(): number {
    const s1 = this.s1;
    const m = imul(s1, 5);
    const result = imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    const s3 = this.s3;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Copies the four state words into `into` (for loops that step the generator inline). */
  saveState(into: Int32Array): void {
    into[0] = this.s0;
    into[1] = this.s1;
    into[2] = this.s2;
    into[3] = this.s3;
  }

  /** Restores the four state words from `from`. */
  loadState(from: Int32Array): void {
    this.s0 = from[0];
    this.s1 = from[1];
    this.s2 = from[2];
    this.s3 = from[3];
  }

  /** Next output as a double in [0, 1) with 24 random bits (exact in float32). */
  nextFloat24(): number {
    return (this.nextInt32() >>> 8) * TWO_POW_MINUS_24;
  }

  /** Next output as a double in [0, 1) with 53 random bits (two outputs). */
  nextFloat53(): number {
    const hi = this.nextInt32() >>> 5; // 27 bits
    const lo = this.nextInt32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Next output as a double in (0, 1): never 0, so safe for log(). */
  nextOpenUnit(): number {
    return ((this.nextInt32() >>> 8) + 0.5) * TWO_POW_MINUS_24;
  }
}

/** A fresh seed from random, for initializers built without one. */
export function freshSeed(): number {
  return floor(random() * TWO_POW_32) + floor(random() * 2097152) * TWO_POW_32;
}

/** A generator for one draw: a seed restarts its stream (same values every time); null draws a fresh seed. */
export function generatorFor(seed: number | null): Xoshiro128 {
  return new Xoshiro128(seed ?? freshSeed());
}
