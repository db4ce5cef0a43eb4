/**
 * f32 GEMM C = A·B, the same A and B for every library; work = 2·batch·m·k·n FLOPs. A batched
 * shape multiplies `batch` independent pairs ([batch,m,k]·[batch,k,n], attention's heads × batch).
 */
import { matmul, tensor, tidy, type Tensor } from '../ts/index.js';
import { uniform } from './data.js';
import type { Case } from './harness.js';
import type { Tf } from './peers.js';

export interface GemmShape {
  /** Matrices per operand (a rank-3 product), or absent for one 2-D product. */
  batch?: number;
  m: number;
  k: number;
  n: number;
}

export const gemmRow = (s: GemmShape) =>
  s.batch === undefined ? `gemm ${s.m}x${s.k}·${s.k}x${s.n}` : `bmm ${s.batch}x${s.m}x${s.k}·${s.batch}x${s.k}x${s.n}`;

export function gemmShapes(quick: boolean): GemmShape[] {
  const square = (quick ? [64, 128] : [64, 128, 256, 512, 1024]).map((n) => ({ m: n, k: n, n }));
  // The shapes an MLP 784-40-10 / 784-512-10 step at batch 100 multiplies.
  const skinny = quick
    ? [{ m: 100, k: 784, n: 40 }, { m: 100, k: 40, n: 10 }]
    : [{ m: 100, k: 784, n: 40 }, { m: 100, k: 40, n: 10 }, { m: 100, k: 784, n: 512 }];
  // Attention-sized heads: 32 sequences × 8 heads of 64×64 scores.
  const batched = [{ batch: 32 * 8, m: 64, k: 64, n: 64 }];
  return [...square, ...skinny, ...batched];
}

export function gemmCases(shapes: GemmShape[], tf: Tf | null, tfBackends: string[]): Case[] {
  const cases: Case[] = [];
  for (const s of shapes) {
    const nb = s.batch ?? 1;
    const A = uniform(nb * s.m * s.k, 11 + s.m), B = uniform(nb * s.k * s.n, 13 + s.n);
    const [shapeA, shapeB] = s.batch === undefined ? [[s.m, s.k], [s.k, s.n]] : [[nb, s.m, s.k], [nb, s.k, s.n]];
    const row = gemmRow(s);
    // Small products take a few µs: repeat them so one timed call does ≥ 4 MFLOP, well above
    // the timer's resolution (5 µs in a cross-origin isolated page, where 100x40·40x10 is 16 µs).
    const reps = Math.max(1, Math.ceil(4e6 / (2 * nb * s.m * s.k * s.n)));
    const work = 2 * nb * s.m * s.k * s.n * reps;
    let a: Tensor | null = null, b: Tensor | null = null;
    cases.push({
      row,
      lib: 'knobs',
      work,
      setup: () => {
        a = tensor(A, shapeA);
        b = tensor(B, shapeB);
      },
      // tidy frees C each call, so the pool hands the same block back: no growth, no GC.
      fn: () => {
        for (let r = 0; r < reps; r++) tidy(() => void matmul(a!, b!));
      },
      teardown: () => {
        a?.dispose();
        b?.dispose();
      },
    });
    for (const backend of tfBackends) {
      let ta: any = null, tb: any = null;
      cases.push({
        row,
        lib: backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu',
        work,
        enter: () => tf.setBackend(backend),
        setup: () => {
          ta = tf.tensor(A, shapeA);
          tb = tf.tensor(B, shapeB);
        },
        // Both tfjs backends compute eagerly inside matMul, so no dataSync is needed to time it.
        fn: () => {
          for (let r = 0; r < reps; r++) tf.matMul(ta, tb).dispose();
        },
        teardown: () => {
          ta.dispose();
          tb.dispose();
        },
      });
    }
  }
  return cases;
}
