/**
 * Seeded inputs shared by every library in a run, so all peers see the same numbers.
 * MNIST-shaped: 784 pixels in [0, 1), labels 0..9 (random, not real digits: the suite measures
 * speed, and real MNIST is not on every machine).
 */
export const IN = 784;
export const CLASSES = 10;

/** mulberry32: small, fast, and seedable, which Math.random is not. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export interface Samples {
  n: number;
  x: Float32Array; // [n, 784]
  labels: Float32Array; // [n]
  oneHot: Float32Array; // [n, 10]
}

export function mnistLike(n: number, seed: number): Samples {
  const x = uniform(n * IN, seed, 0, 1);
  const r = rng(seed ^ 0x9e3779b9);
  const labels = new Float32Array(n);
  const oneHot = new Float32Array(n * CLASSES);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * CLASSES);
    labels[i] = c;
    oneHot[i * CLASSES + c] = 1;
  }
  return { n, x, labels, oneHot };
}

/** The first `n` samples (views, no copy). */
export function head(s: Samples, n: number): Samples {
  return { n, x: s.x.subarray(0, n * IN), labels: s.labels.subarray(0, n), oneHot: s.oneHot.subarray(0, n * CLASSES) };
}
