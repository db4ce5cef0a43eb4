/**
 * The gemm path of a compiled dense layer's big product, picked by timing (cf. cuDNN's and
 * XNNPACK's algorithm choice). gemm offers several blocked paths (kernels/gemm: `gemm_via`) that
 * sum every element in the same order — the same bits — so only speed is at stake, and speed
 * depends on the CPU: pre-broadcast A strips (4 copies of each value) win on an AMD core, where a
 * broadcast load costs a shuffle µop, while on an Intel core it is a plain load and the 4× larger
 * strips only cost packing stores (the ch.8 MLP's x·W₁ packed A for ~12% of its time). gemm's own
 * rule follows the packing init() measured for the machine (backend/gemm-packing.ts, two shapes);
 * a product the program runs every step is worth timing on its own shape, once, at compile time.
 * Choices are kept per shape for the process.
 */
import { K, heap } from '../backend/wasm.js';
import { empty, type Tensor } from '../tensor.js';

/** Products below this many multiply-adds keep gemm's rule: timing them would cost more than it gains. */
const MIN_MACS = 1 << 16;
/** Paths of `gemm_via` (program.rs `VIA_PATHS`); 0 is gemm's own rule, 1–4 force a blocked path. */
const VIA_PATHS = 5;
/** A path replaces gemm's rule only if at least this much faster (timing noise must not flip it). */
const MARGIN = 0.97;
const ROUNDS = 7;
const WARM_CALLS = 3;

const chosen = new Map<string, number>();

type Product = 'matmul_via' | 'matmul_tn_via';

/** Best-of-rounds time per call of each path on an m×k·k×n product (scratch operands), interleaved so load hits all alike. */
function timePaths(product: Product, m: number, k: number, n: number): number[] {
  const bufs: Tensor[] = [];
  try {
    for (const len of [m * k, k * n, m * n]) {
      const t = empty([len], 'compile_tune');
      bufs.push(t);
      // Normal numbers (subnormals would time another kernel than the step's).
      heap().fill(0.25, t.ptr >>> 2, (t.ptr >>> 2) + len);
    }
    const [a, b, c] = bufs.map((t) => t.ptr);
    const kk = K();
    const call = product === 'matmul_via' ? (via: number) => kk.matmul_via(via, a, b, c, m, k, n, false) : (via: number) => kk.matmul_tn_via(via, a, b, c, m, k, n, false);
    // Several calls a round for products too quick for the clock (browsers coarsen it).
    const reps = Math.max(1, Math.round((1 << 21) / (m * k * n)));
    const best = new Array<number>(VIA_PATHS).fill(Infinity);
    for (let via = 0; via < VIA_PATHS; via++) for (let i = 0; i < WARM_CALLS; i++) call(via);
    for (let r = 0; r < ROUNDS; r++) {
      for (let via = 0; via < VIA_PATHS; via++) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) call(via);
        best[via] = Math.min(best[via], (performance.now() - t0) / reps);
      }
    }
    return best;
  } finally {
    for (const t of bufs) t.dispose();
  }
}

/** The path for C[m×n] = A·B (`matmul_via`) or Aᵀ·B (`matmul_tn_via`, A k×m): timed once per shape. */
export function gemmPath(product: Product, m: number, k: number, n: number): number {
  if (m * k * n < MIN_MACS) return 0;
  const key = `${product} ${m} ${k} ${n}`;
  let via = chosen.get(key);
  if (via === undefined) {
    const t = timePaths(product, m, k, n);
    via = 0;
    for (let p = 1; p < VIA_PATHS; p++) if (t[p] < t[via] && t[p] < t[0] * MARGIN) via = p;
    chosen.set(key, via);
  }
  return via;
}

/** For tests: fixes the path of a shape, as if timing had chosen it. */
export function _setGemmPath(product: Product, m: number, k: number, n: number, via: number): void {
  chosen.set(`${product} ${m} ${k} ${n}`, via);
}

/**
 * The word of a dense op's encoding that carries the path (above the activation in its low byte),
 * and the product whose path it names: x·W forward, xᵀ·gz for the weight gradient backward.
 */
export function densePath(name: string, a: readonly unknown[]): { word: number; via: () => number } | null {
  const n = (i: number): number => a[i] as number;
  if (name === 'dense_forward') return { word: 8, via: () => gemmPath('matmul_via', n(5), n(6), n(7)) };
  if (name === 'dense_backward' && a[13]) return { word: 11, via: () => gemmPath('matmul_tn_via', n(9), n(8), n(10)) };
  return null;
}
