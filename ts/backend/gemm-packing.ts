/**
 * How gemm packs A on this machine, chosen at init() by measurement as the SIMD build is chosen
 * by measurement (simd.ts). For products with ≥ 64 columns (or ≥ 64 rows over a depth ≥ 32) the
 * SIMD128 kernel can take A pre-broadcast (4 copies of each value, multiplied by plain loads) or
 * plain (A packed once, each value broadcast by the kernel's load). On an AMD EPYC under V8 the
 * pre-broadcast strips ran ~15% faster; on an Intel Xeon the plain ones 6–15% faster — a broadcast
 * load costs a shuffle on one and not on the other, and nothing in wasm says which CPU runs it.
 * Every path sums each element in the same order, so the choice changes speed, never a bit, and
 * a measurement is safe to act on. The relaxed build's kernel broadcasts on load throughout.
 */
import { KnobsError } from '../errors.js';
import type { Kernels } from './wasm.js';

export type GemmChoice = 'auto' | 'pre' | 'plain';
export type GemmPacking = 'pre' | 'plain';

/** kernels/gemm `PACKING_PRE` / `PACKING_PLAIN` (0 asks for the mode in effect). */
const PRE = 1;
const PLAIN = 2;
/** Plain replaces the pre-broadcast rule only if at least this much faster: a noisy tie keeps the rule. */
const MARGIN = 0.97;
/**
 * A square product on the n ≥ 64 rule, and the ch.8 MLP's x·W₁ on the swapped one; calls per
 * sample: ≥ ~0.6 ms each, since browsers coarsen performance.now() to as much as 0.1 ms.
 */
const SHAPES: readonly (readonly [m: number, k: number, n: number, calls: number])[] = [
  [256, 256, 256, 1],
  [100, 784, 40, 4],
];
const ROUNDS = 4;

export function checkGemmChoice(choice: unknown): GemmChoice {
  if (choice === 'auto' || choice === 'pre' || choice === 'plain') return choice;
  throw new KnobsError(`init: gemm must be 'auto', 'pre' or 'plain', got ${JSON.stringify(choice)}`);
}

/**
 * Sets the packing of the loaded core and returns the one in effect: 'auto' times both modes on
 * SHAPES (~15 ms of products once, on one thread; modes interleaved in alternating order so load hits
 * both alike; best of rounds per shape) and keeps pre-broadcast unless plain is ≥ 3% faster on
 * average.
 */
export async function setGemmPacking(k: Kernels, memory: WebAssembly.Memory, choice: GemmChoice): Promise<GemmPacking> {
  const mode = choice === 'plain' ? PLAIN : choice === 'pre' ? PRE : await faster(k, memory);
  return k.gemm_packing(mode) === PLAIN ? 'plain' : 'pre';
}

/**
 * V8 first runs each wasm function as baseline code and swaps in optimized code compiled in the
 * background once the function has run a while: ~3× faster for the GEMM kernels, and each path
 * has its own. Timing one path optimized against the other not yet would measure the compiler,
 * so the first calls only start those compiles, the timing waits this long for them (no CPU),
 * and a per-shape ratio beyond what packing can do (TIERED) counts as not ready yet.
 */
const TIER_UP_MS = 30;
const TIERED = 0.6;
const TRIES = 2;

async function faster(k: Kernels, memory: WebAssembly.Memory): Promise<number> {
  // The relaxed build has one mode: nothing to time.
  if (k.gemm_packing(PRE) === PLAIN) return PLAIN;
  const len = Math.max(...SHAPES.flatMap(([m, kk, n]) => [m * kk, kk * n]));
  const outLen = Math.max(...SHAPES.map(([m, , n]) => m * n));
  const a = k.alloc_f32(len);
  const b = k.alloc_f32(len);
  const c = k.alloc_f32(outLen);
  k.thread_limit(1);
  try {
    if (a === 0 || b === 0 || c === 0) return PRE;
    // Normal numbers: subnormals would time another kernel than real products run.
    const heap = new Float32Array(memory.buffer);
    heap.fill(0.25, a >>> 2, (a >>> 2) + len);
    heap.fill(0.5, b >>> 2, (b >>> 2) + len);
    const sample = ([m, kk, n, calls]: (typeof SHAPES)[number], mode: number): number => {
      k.gemm_packing(mode);
      const t0 = performance.now();
      for (let j = 0; j < calls; j++) k.matmul(a, b, c, m, kk, n, false);
      return performance.now() - t0;
    };
    for (const shape of SHAPES) for (const mode of [PRE, PLAIN]) sample(shape, mode);
    for (let t = 0; t < TRIES; t++) {
      await new Promise((resolve) => setTimeout(resolve, TIER_UP_MS));
      const ratios = SHAPES.map((shape) => {
        let [pre, plain] = [Infinity, Infinity];
        for (let r = 0; r < ROUNDS; r++) {
          const first = r % 2 === 0 ? PRE : PLAIN;
          const t1 = sample(shape, first);
          const t2 = sample(shape, first === PRE ? PLAIN : PRE);
          pre = Math.min(pre, first === PRE ? t1 : t2);
          plain = Math.min(plain, first === PRE ? t2 : t1);
        }
        return plain / pre;
      });
      if (ratios.every((r) => r > TIERED && r < 1 / TIERED)) return ratios.reduce((x, y) => x + y) / ratios.length <= MARGIN ? PLAIN : PRE;
    }
    return PRE;
  } finally {
    k.thread_limit(0xffffffff);
    for (const p of [a, b]) if (p !== 0) k.free_f32(p, len);
    if (c !== 0) k.free_f32(c, outLen);
  }
}
