/**
 * Seeds for the counter-based generators in the Rust core. A fill is a pure function of its
 * 64-bit seed, so results never depend on call order inside a kernel. Every random thing in knobs
 * takes a seed; without one it draws the next seed from a global stream set by `manualSeed`.
 */
import { KnobsError } from './errors.js';

export type Seed64 = readonly [lo: number, hi: number];

function mix32(x: number): number {
  // murmur3 finalizer: good avalanche for consecutive inputs.
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A small seedable generator for JS-side randomness (shuffles, sampling) and for deriving seeds. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
    const s = Math.floor(seed);
    this.a = mix32(s ^ 0x9e3779b9);
    this.b = mix32(this.a ^ 0x243f6a88);
    this.c = mix32(this.b ^ 0xb7e15162);
    this.d = mix32(this.c ^ Math.floor(s / 2 ** 32));
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }
  /** xoshiro128** step: 32 random bits. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** The generator's position, to save and later resume the same stream (e.g. with a model). */
  getState(): [number, number, number, number] {
    // Words are int32 or uint32 depending on the last op; the bits are what matter.
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }
  setState(s: readonly number[]): void {
    // A saved state comes from files: anything but an array of four numbers is refused before it is read.
    if (!Array.isArray(s) || s.length !== 4 || s.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff) || s.every((v) => v === 0)) {
      const got = Array.isArray(s) ? `[${s.map((v) => (typeof v === 'number' ? v : JSON.stringify(v))).join(', ')}]` : JSON.stringify(s);
      throw new KnobsError(`Rng.setState: expected four uint32 words, not all zero, got ${got}`);
    }
    [this.a, this.b, this.c, this.d] = s;
  }
  nextSeed(): Seed64 {
    return [this.nextU32(), this.nextU32()];
  }
  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: any }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let globalRng = new Rng(0);

/** Resets the global seed stream used when an op is given no seed. */
export function manualSeed(seed: number): void {
  globalRng = new Rng(seed);
}

/**
 * Runs `fn` on a global stream of its own and puts the caller's back afterwards: for work that
 * builds a model between another training's steps (a worker answering predict while it trains)
 * and must not shift that training's random numbers.
 */
export function withGlobalSeed<T>(seed: number, fn: () => T): T {
  const saved = globalRng;
  globalRng = new Rng(seed);
  try {
    return fn();
  } finally {
    globalRng = saved;
  }
}

/** A kernel seed from a user seed (stream picks independent sequences from one seed), or the global stream. */
export function seedFor(seed: number | undefined, stream = 0): Seed64 {
  if (seed === undefined) return globalRng.nextSeed();
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const s = Math.floor(seed);
  return [mix32(s ^ mix32(stream + 0x632be5ab)), mix32(Math.floor(s / 2 ** 32) ^ mix32(stream ^ 0x85ebca6b) ^ 0x5bd1e995)];
}
